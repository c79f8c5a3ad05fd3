using System.Globalization;
using System.Security.Claims;
using LedgerX.Testing;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LedgerX.Auth.IntegrationTests.External;

/// <summary>
/// A second, independent OpenID Connect provider for the delegation test: its own OpenIddict server on its own
/// Kestrel port and database, its own (ephemeral) keys, one registered client (auth-service) and one user, who is
/// signed in without a page (the provider's sign-in UI is not what is tested).
/// </summary>
public sealed class PartnerIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "ledgerx-auth-service";
    public const string ClientSecret = "partner-secret-for-tests";
    public const string Subject = "partner-user-42";

    private WebApplication _app = null!;
    private string _database = "";

    public string Issuer { get; private set; } = "";

    /// <summary>The email the provider asserts for its user (verified).</summary>
    public string Email { get; } = $"partner-{Guid.NewGuid():N}@partner.test";

    public static async Task<PartnerIdentityProvider> StartAsync(string authServiceIssuer)
    {
        var provider = new PartnerIdentityProvider();
        await provider.RunAsync(authServiceIssuer);
        return provider;
    }

    private async Task RunAsync(string authServiceIssuer)
    {
        _database = await TestPostgres.CreateDatabaseAsync("authit_partner");
        var port = FreePorts.Next();
        Issuer = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Issuer);
        builder.Logging.ClearProviders();
        builder.Services.AddDbContext<PartnerDb>(o => o.UseNpgsql(_database).UseOpenIddict());
        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<PartnerDb>())
            .AddServer(server =>
            {
                server.SetIssuer(new Uri(Issuer));
                server.SetAuthorizationEndpointUris("authorize").SetTokenEndpointUris("token");
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile);
                server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                server.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            });
        _app = builder.Build();
        _app.MapMethods("/authorize", [HttpMethods.Get, HttpMethods.Post], (HttpContext http) =>
        {
            var request = http.GetOpenIddictServerRequest()!;
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, Subject).SetClaim(Claims.Email, Email).SetClaim(Claims.EmailVerified, true).SetClaim(Claims.Name, "Partner User");
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PartnerDb>().Database.EnsureCreatedAsync();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = ClientId,
                ClientSecret = ClientSecret,
                ClientType = ClientTypes.Confidential,
                RedirectUris = { new Uri(authServiceIssuer + "account/external/callback") },
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
                    Permissions.ResponseTypes.Code, Permissions.Scopes.Email, Permissions.Scopes.Profile,
                },
            });
        }
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Npgsql.NpgsqlConnection.ClearAllPools();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    private sealed class PartnerDb(DbContextOptions<PartnerDb> options) : DbContext(options);
}
