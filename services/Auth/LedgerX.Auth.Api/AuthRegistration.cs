using System.Text.Json.Serialization;
using LedgerX.Auth.Api.Accounts;
using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Connect;
using LedgerX.Auth.Api.Keys;
using LedgerX.Auth.Api.Persistence;
using LedgerX.Auth.Api.Roles;
using LedgerX.Auth.Api.Seeding;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.ServiceDefaults.Secrets;
using Permissions = LedgerX.ServiceDefaults.Auth.Permissions;
using LedgerX.ServiceDefaults.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using Polly;
using Polly.Retry;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LedgerX.Auth.Api;

/// <summary>What auth-service adds on top of the service defaults.</summary>
public static class AuthRegistration
{
    public const string AppId = "auth-service";
    public const string ConnectionStringName = "Auth";

    /// <summary>Where the connection string is kept: a key of the Dapr secret store (components/secrets.json locally, the
    /// chart's Secret in a cluster), read at start-up (docs/adr/0025-credentials-from-the-secret-store.md).</summary>
    public static readonly ServiceSecret DatabaseSecret = ServiceSecret.ConnectionString(ConnectionStringName, "auth-connection-string");

    /// <summary>The identity scopes a client may ask for beside the permissions.</summary>
    public static readonly IReadOnlyList<string> IdentityScopes = [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess];

    /// <summary>The database, Identity (users, password policy, lockout, TOTP), the audit outbox and its relay.</summary>
    public static WebApplicationBuilder AddAuthStore(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetBoundedConnectionString(ConnectionStringName);
        builder.Services.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        builder.Services.AddValidatedOptions<OutboxOptions>(OutboxOptions.Section);
        builder.Services.AddValidatedOptions<SeedOptions>(SeedOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddDbContext<AuthDbContext>(options => options.UseNpgsql(connectionString).UseSnakeCaseNamingConvention());
        builder.Services.AddHealthChecks().AddNpgSqlReadyCheck(connectionString);
        builder.AddDatabaseBreaker<AuthDbContext>();

        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddIdentity<AuthUser, AuthRole>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.SignIn.RequireConfirmedEmail = true;
                identity.Password.RequiredLength = auth.PasswordMinLength;
                identity.Password.RequireDigit = true;
                identity.Password.RequireLowercase = true;
                identity.Password.RequireUppercase = true;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequiredUniqueChars = 5;
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = auth.LockoutMaxFailedAttempts;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(auth.LockoutMinutes);
                // The claims OpenIddict reads, so the principal Identity builds needs no mapping.
                identity.ClaimsIdentity.UserNameClaimType = Claims.Name;
                identity.ClaimsIdentity.UserIdClaimType = Claims.Subject;
                identity.ClaimsIdentity.RoleClaimType = Claims.Role;
                identity.ClaimsIdentity.EmailClaimType = Claims.Email;
            })
            .AddEntityFrameworkStores<AuthDbContext>()
            .AddDefaultTokenProviders();
        builder.Services.AddOptions<PasswordHasherOptions>().Configure<IOptions<AuthOptions>>((hasher, options) =>
        {
            hasher.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            hasher.IterationCount = options.Value.PasswordHashIterations;
        });
        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = SignInPages.LoginPath;
            cookie.Cookie.Name = "ledgerx.auth";
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(1);
            // The JSON API answers 401/403; only the browser pages redirect to the sign-in page.
            cookie.Events.OnRedirectToLogin = context => RedirectBrowsersOnly(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => RedirectBrowsersOnly(context, StatusCodes.Status403Forbidden);
        });
        builder.Services.AddAntiforgery();

        builder.Services.AddScoped<ISecurityAudit, OutboxSecurityAudit>();
        builder.Services.AddScoped<IAccountMessages, OutboxAccountMessages>();
        builder.AddAuditOutbox<AuthDbContext>();
        // Account messages (auth.account_message.v1) have their own small outbox: they are not audit events.
        builder.Services.AddHostedService<OutboxRelay>();
        builder.Services.AddScoped<DemoSeeder>();
        builder.Services.AddScoped<ServiceClientSeeder>();
        builder.Services.AddSingleton<IValidateOptions<SeedOptions>, ServiceClientsValidator>();
        builder.Services.AddScoped<TokenPrincipals>();
        return builder;
    }

    /// <summary>The OpenIddict server (code + PKCE, client credentials, refresh with rotation, device, revocation,
    /// introspection, userinfo, JWKS), its local validation for auth-service's own API, and the signing key ring.</summary>
    public static WebApplicationBuilder AddAuthorizationServer(this WebApplicationBuilder builder)
    {
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddSingleton<SigningKeyRing>();
        builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>, ServerKeysChanged>();
        builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddictValidationOptions>, ValidationKeysChanged>();
        builder.Services.AddSingleton<OpenIddictKeys>();
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>>(s => s.GetRequiredService<OpenIddictKeys>());
        builder.Services.AddHostedService<SigningKeyRefresher>();

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<AuthDbContext>().ReplaceDefaultEntities<Guid>())
            .AddServer(server =>
            {
                if (Uri.TryCreate(auth.Issuer, UriKind.Absolute, out var issuer))
                {
                    server.SetIssuer(issuer);
                }
                server.SetAuthorizationEndpointUris(Endpoints.Authorize)
                    .SetTokenEndpointUris(Endpoints.Token)
                    .SetIntrospectionEndpointUris(Endpoints.Introspect)
                    .SetRevocationEndpointUris(Endpoints.Revoke)
                    .SetUserInfoEndpointUris(Endpoints.UserInfo)
                    .SetDeviceAuthorizationEndpointUris(Endpoints.Device)
                    .SetEndUserVerificationEndpointUris(Endpoints.Verify)
                    .SetJsonWebKeySetEndpointUris(Endpoints.Jwks);
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow()
                    .AllowDeviceAuthorizationFlow();
                server.RegisterScopes([.. IdentityScopes, .. Permissions.All]);
                // Access tokens are plain signed JWTs, so every service validates them against the JWKS alone.
                server.DisableAccessTokenEncryption();
                server.SetAccessTokenLifetime(auth.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(TimeSpan.FromSeconds(auth.RefreshTokenLifetimeSeconds))
                    .SetRefreshTokenReuseLeeway(TimeSpan.FromSeconds(auth.RefreshTokenReuseLeewaySeconds));
                server.AddEventHandler(TokenEvents.ReuseDetection);
                server.AddEventHandler(TokenEvents.RevocationAudit);
                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
                if (!auth.RequireHttps)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(validation =>
            {
                // auth-service validates the tokens it issued for its own admin API without fetching its own JWKS.
                validation.UseLocalServer();
                validation.UseAspNetCore();
            });

        // After OpenIddict's own post-configuration (which sets the validation keys from the signing credentials).
        builder.Services.AddSingleton<IPostConfigureOptions<OpenIddictServerOptions>>(s => s.GetRequiredService<OpenIddictKeys>());
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictValidationOptions>, OpenIddictValidationKeys>();

        var policies = builder.Services.AddAuthorizationBuilder();
        foreach (var permission in Permissions.All)
        {
            policies.AddPolicy(permission, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.HasPermission(permission)));
        }
        policies.AddPolicy(UserPolicy, policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser());
        return builder;
    }

    /// <summary>Any valid access token issued to a user (the caller's own account endpoints).</summary>
    public const string UserPolicy = "user";

    /// <summary>Strict JSON (an unknown field is an error) and the OpenAPI document.</summary>
    public static WebApplicationBuilder AddAuthApi(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow);
        return builder.AddOpenApiDocument("LedgerX auth-service",
            "Users (registration, email confirmation, passwords, TOTP second factor), role administration, and the OAuth 2.1 / " +
            "OpenID Connect endpoints under /connect (discovery at /.well-known/openid-configuration, keys at /.well-known/jwks).");
    }

    /// <summary>Applies pending migrations, loads the signing keys from the secret store (waiting for the sidecar) and
    /// registers the services' own clients, and seeds the demo users and clients when Auth:Seed:Enabled.</summary>
    public static async Task PrepareAuthAsync(this WebApplication app)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var database = scope.ServiceProvider.GetRequiredService<AuthDbContext>().Database;
            await PostgresDatabase.CreateIfMissingAsync(database.GetConnectionString()!, app.Logger);
            database.SetCommandTimeout(PostgresDatabase.MigrationCommandTimeout);
            await database.MigrateAsync();
            await RoleSetup.EnsureRolesAsync(scope.ServiceProvider.GetRequiredService<RoleManager<AuthRole>>());
        }

        // The sidecar may start after the app (dapr run, Kubernetes): wait for it a bounded time, then fail the start.
        var ring = app.Services.GetRequiredService<SigningKeyRing>();
        var retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Dapr.DaprException>().Handle<HttpRequestException>(),
                MaxRetryAttempts = 30, Delay = TimeSpan.FromSeconds(1), BackoffType = DelayBackoffType.Constant,
            })
            .Build();
        await retry.ExecuteAsync(async ct => await ring.RefreshAsync(ct), app.Lifetime.ApplicationStopping);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ServiceClientSeeder>().SeedAsync(app.Lifetime.ApplicationStopping);
        }
        if (app.Services.GetRequiredService<IOptions<SeedOptions>>().Value.Enabled)
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(app.Lifetime.ApplicationStopping);
        }
    }

    private static Task RedirectBrowsersOnly(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
