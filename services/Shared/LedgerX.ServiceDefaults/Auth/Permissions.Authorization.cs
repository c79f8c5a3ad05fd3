using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace LedgerX.ServiceDefaults.Auth;

/// <summary>The caller's token must grant <see cref="Permission"/> in its <c>scope</c> claim.</summary>
public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

internal sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.HasPermission(requirement.Permission))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// A valid token without the permission gets 403 as an RFC 9457 problem that names the permission (code
/// <c>forbidden</c>, extension <c>permission</c>) and RFC 6750's <c>insufficient_scope</c> challenge; everything else is
/// the framework's (a missing or refused token goes to <see cref="TokenEvents.Challenge"/>).
/// </summary>
internal sealed class ForbiddenAsProblem(AuthorizationMiddlewareResultHandler framework) : IAuthorizationMiddlewareResultHandler
{
    public const string Forbidden = "forbidden";

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            await framework.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        var missing = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<PermissionRequirement>()
            .Select(r => r.Permission).ToList() ?? [];
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        if (missing.Count == 0)
        {
            await TokenEvents.WriteProblemAsync(context, StatusCodes.Status403Forbidden, Forbidden, "The caller may not do this.");
            return;
        }
        var scopes = string.Join(' ', missing);
        context.Response.Headers[HeaderNames.WWWAuthenticate] = $"Bearer error=\"insufficient_scope\", scope=\"{scopes}\"";
        await TokenEvents.WriteProblemAsync(context, StatusCodes.Status403Forbidden, Forbidden,
            $"This needs the permission {scopes}, which the access token does not grant.",
            new Dictionary<string, object?> { ["permission"] = missing.Count == 1 ? missing[0] : missing });
    }
}
