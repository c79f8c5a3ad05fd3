using LedgerX.Auth.Api.Audit;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LedgerX.Auth.Api.Connect;

/// <summary>auth-service's own steps in OpenIddict's pipeline: auditing refresh-token reuse and revocations.</summary>
public static class TokenEvents
{
    public static OpenIddictServerHandlerDescriptor ReuseDetection => RefreshTokenReuseAudit.Descriptor;

    public static OpenIddictServerHandlerDescriptor RevocationAudit => RevocationAuditHandler.Descriptor;
}

/// <summary>
/// Runs just before OpenIddict's own token entry check. A refresh token presented again after it was redeemed (past
/// the reuse leeway) means it leaked: OpenIddict then revokes every token of its authorization (the token family);
/// this handler audits it and revokes the authorization itself too, so nothing issued from that sign-in lives on.
/// </summary>
internal sealed class RefreshTokenReuseAudit(
    IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, ISecurityAudit audit,
    IOptions<AuthOptions> options, TimeProvider clock) : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseScopedHandler<RefreshTokenReuseAudit>()
        .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.Principal is null || string.IsNullOrEmpty(context.TokenId) || !context.Principal.HasTokenType(TokenTypeIdentifiers.RefreshToken))
        {
            return;
        }
        var token = await tokens.FindByIdAsync(context.TokenId);
        if (token is null || !await tokens.HasStatusAsync(token, Statuses.Redeemed))
        {
            return;
        }
        var leeway = TimeSpan.FromSeconds(options.Value.RefreshTokenReuseLeewaySeconds);
        if (leeway > TimeSpan.Zero && await tokens.GetRedemptionDateAsync(token) is { } redeemed && redeemed + leeway > clock.GetUtcNow())
        {
            return;
        }
        var subject = context.Principal.GetClaim(Claims.Subject) ?? "unknown";
        if (!string.IsNullOrEmpty(context.AuthorizationId) && await authorizations.FindByIdAsync(context.AuthorizationId) is { } authorization)
        {
            await authorizations.TryRevokeAsync(authorization);
        }
        await audit.RecordAsync(AuditActions.TokenReuseDetected, AuditOutcomes.Denied, new AuditActor("user", subject),
            new AuditSubject("user", subject), new Dictionary<string, string>
            {
                ["client_id"] = context.Principal.GetPresenters().FirstOrDefault() ?? context.Request?.ClientId ?? "",
                ["authorization_id"] = context.AuthorizationId ?? "",
            });
    }
}

/// <summary>Audits a successful revocation (RFC 7009) by the client that asked for it.</summary>
internal sealed class RevocationAuditHandler(ISecurityAudit audit) : IOpenIddictServerHandler<ApplyRevocationResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyRevocationResponseContext>()
        .UseScopedHandler<RevocationAuditHandler>()
        .SetOrder(int.MinValue + 100_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ApplyRevocationResponseContext context)
    {
        if (!string.IsNullOrEmpty(context.Error) || context.Request?.ClientId is not { } clientId)
        {
            return;
        }
        await audit.RecordAsync(AuditActions.TokenRevoked, AuditOutcomes.Succeeded, new AuditActor("client", clientId),
            new AuditSubject("client", clientId), new Dictionary<string, string> { ["token_type_hint"] = context.Request.TokenTypeHint ?? "" });
    }
}
