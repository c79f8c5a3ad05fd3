using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace LedgerX.ServiceDefaults.OpenApi;

/// <summary>
/// How a client authenticates, in every LedgerX document, so Scalar offers to send a token and a generated client knows
/// it needs one: auth-service's JWT access tokens as an HTTP bearer scheme, required by exactly the operations whose
/// endpoint asks for authorization, with the permission(s) its policies are named after as the requirement's scopes.
/// Read from the endpoint's metadata, the same the authorization middleware reads, so the document cannot drift from
/// what the service enforces.
/// </summary>
internal static class BearerSecurity
{
    /// <summary>The key in <c>components.securitySchemes</c>.</summary>
    public const string SchemeId = "Bearer";

    /// <summary>Adds the scheme to the document's components (operation transformers have already run by then, and
    /// referenced it by <see cref="SchemeId"/>).</summary>
    public static void AddScheme(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        if (document.Components.SecuritySchemes?.ContainsKey(SchemeId) == true)
        {
            return;
        }
        // AddComponent also registers it with the document's workspace, so the operations' references resolve.
        document.AddComponent<IOpenApiSecurityScheme>(SchemeId, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token issued by auth-service (audience ledgerx-api), sent as Authorization: Bearer <token>. " +
                "Its scope claim must grant the permissions an operation lists.",
        });
    }

    /// <summary>Requires the bearer scheme on an operation whose endpoint has authorization metadata and is not
    /// anonymous, listing the permissions its policies name.</summary>
    public static void RequireOnProtected(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        // As the authorization middleware decides: any IAllowAnonymous lets every caller in, whatever else is there.
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (authorize.Count == 0 && !metadata.OfType<AuthorizationPolicy>().Any())
        {
            return;
        }
        // A policy named after a permission (RequirePermission, auth-service's per-permission policies, audit:read) is
        // that permission; any other (auth-service's "user", the default policy) needs a valid token and no scope.
        var scopes = authorize.Select(a => a.Policy).OfType<string>().Where(Permissions.All.Contains)
            .Distinct(StringComparer.Ordinal).ToList();
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(SchemeId, context.Document)] = scopes,
        });
    }
}
