using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Access-token validation, the same in every LedgerX service: RS256/PS256/ES256 JWTs from auth-service (exact
/// <c>Auth:Issuer</c>, audience <c>Auth:Audience</c>, a lifetime and a subject), checked against the keys auth-service
/// publishes, fetched through the Dapr sidecar (<see cref="SigningKeyCache"/>). Claims keep their JWT names
/// (<c>sub</c>, <c>scope</c>, <c>client_id</c>), read with <see cref="LedgerXClaims"/>.
/// </summary>
/// <remarks>
/// Each service calls <c>builder.AddLedgerXAuthentication()</c> itself rather than getting it from
/// <c>AddServiceDefaults</c>: auth-service issues the tokens and validates its own with OpenIddict, and a host that never
/// asks for it needs no issuer. Forgetting it is not silent: <c>RequirePermission</c> fails at start without it.
/// </remarks>
public static class LedgerXAuthentication
{
    /// <summary>The only signing algorithms accepted: asymmetric ones auth-service can use. <c>none</c> and HS* (which a
    /// forger could "sign" with the public key) never pass.</summary>
    public static readonly IReadOnlyList<string> AllowedAlgorithms =
        [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256];

    private const string ProblemJson = "application/problem+json";

    public static TBuilder AddLedgerXAuthentication<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IJwksSource>(provider =>
        {
            var auth = provider.GetRequiredService<IOptions<AuthOptions>>().Value;
            return new AuthServiceJwks(AuthServiceJwks.ForSidecar(provider.GetRequiredService<Configuration.IConfiguration>(), auth.AppId),
                TimeSpan.FromMilliseconds(auth.KeyFetchTimeoutMs));
        });
        services.AddSingleton<SigningKeyCache>();
        services.AddHostedService(provider => provider.GetRequiredService<SigningKeyCache>());

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, SigningKeyCache>((jwt, auth, keys) => Configure(jwt, auth.Value, keys));

        services.AddAuthorization(options =>
        {
            foreach (var permission in Permissions.All)
            {
                options.AddPolicy(permission, policy => policy.RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));
            }
        });
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<AuthorizationMiddlewareResultHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ForbiddenAsProblem>();
        return builder;
    }

    /// <summary>Authentication, then authorization. Call it after <c>UseServiceDefaults</c> (whose status code pages and
    /// exception handler must wrap it) and before the endpoints.</summary>
    public static IApplicationBuilder UseLedgerXAuthentication(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Only callers whose token grants <paramref name="permission"/> (one of <see cref="Permissions"/>); others get
    /// 401 (no valid token) or 403 (valid token, permission missing).</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder endpoint, string permission)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!Permissions.All.Contains(permission))
        {
            throw new ArgumentException($"'{permission}' is not one of LedgerX's permissions.", nameof(permission));
        }
        // Documented here, so no endpoint that checks a permission can forget to say it answers 401 and 403.
        endpoint.WithMetadata(
            new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), [ProblemJson]),
            new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ProblemDetails), [ProblemJson]));
        return endpoint.RequireAuthorization(permission);
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth, SigningKeyCache keys)
    {
        // `sub` and `scope` keep their names instead of becoming long WS-Federation URIs.
        jwt.MapInboundClaims = false;
        jwt.IncludeErrorDetails = true;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = auth.Issuer,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(auth.ClockSkewSeconds),
            RequireSignedTokens = true,
            ValidAlgorithms = AllowedAlgorithms,
            ValidateIssuerSigningKey = true,
            // Read synchronously from the cache; TokenEvents.MessageReceived has made sure an unknown kid was looked up.
            IssuerSigningKeyResolver = (_, _, _, _) => keys.Keys,
            NameClaimType = LedgerXClaims.Subject,
            RoleClaimType = "role",
        };
        jwt.Events = new TokenEvents(keys, auth);
    }
}
