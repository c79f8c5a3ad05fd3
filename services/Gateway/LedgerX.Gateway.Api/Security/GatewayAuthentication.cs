using Microsoft.AspNetCore.Authorization;

namespace LedgerX.Gateway.Api.Security;

/// <summary>
/// Token validation as every service does it (<c>AddLedgerXAuthentication</c>: auth-service's keys through the sidecar),
/// plus one rule of the gateway's own: every request needs a valid token (the fallback policy) unless its route says
/// <c>anonymous</c> (sign-in, OAuth, registration routes in the route table; health, OpenAPI and reference endpoints in
/// code). A request without one is answered 401 here and never reaches a service. The gateway checks no permission:
/// each service does that itself, on the same token, forwarded unchanged (zero trust).
/// </summary>
internal static class GatewayAuthentication
{
    public static WebApplicationBuilder AddGatewayAuthentication(this WebApplicationBuilder builder)
    {
        builder.AddLedgerXAuthentication();
        builder.Services.Configure<AuthorizationOptions>(options =>
            options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }
}
