using System.Security.Cryptography;
using Dapr.Client;
using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Persistence;
using LedgerX.Auth.Api.Roles;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LedgerX.Auth.Api.Seeding;

/// <summary>
/// Development only (`./ledgerx up`): a demo admin, a demo customer, the CLI's public client and a machine client.
/// Idempotent: what exists is left alone, so credentials are printed once, when first created. What it creates is
/// audited like any other registration, role grant or client, by auth-service itself as the actor: an auditor must see
/// where a demo admin came from. Each event is added before the Identity or OpenIddict call whose SaveChanges (on the
/// same scoped AuthDbContext) commits it together with the change.
/// </summary>
public sealed partial class DemoSeeder(
    UserManager<AuthUser> users, IOpenIddictApplicationManager applications, DaprClient dapr, IOptions<SeedOptions> options,
    IOptions<AuthOptions> auth, IHostEnvironment environment, TimeProvider clock, ISecurityAudit audit, AuthDbContext db, ILogger<DemoSeeder> logger)
{
    private static readonly AuditActor Seeder = AuditActor.Service(AuthRegistration.AppId);
    private static readonly Dictionary<string, string> Seeded = new() { ["reason"] = "development_seed" };

    /// <summary>The loopback redirect of the CLI's code flow (RFC 8252 §7.3).</summary>
    public const string CliRedirectUri = "http://127.0.0.1/callback";

    private readonly SeedOptions _seed = options.Value;

    public async Task SeedAsync(CancellationToken ct)
    {
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException("Auth:Seed:Enabled creates demo accounts; it is refused outside Development.");
        }
        await SeedUserAsync(_seed.AdminEmail, _seed.AdminPassword, RolePermissions.Admin);
        await SeedUserAsync(_seed.CustomerEmail, _seed.CustomerPassword, RolePermissions.Customer);
        await SeedCliClientAsync(ct);
        await SeedMachineClientAsync(ct);
    }

    private async Task SeedUserAsync(string email, string? password, string role)
    {
        if (await users.FindByEmailAsync(email) is not null)
        {
            return;
        }
        var now = clock.GetUtcNow();
        var user = new AuthUser { Id = Guid.CreateVersion7(now), UserName = email, Email = email, EmailConfirmed = true, CreatedAt = now };
        var chosen = string.IsNullOrEmpty(password) ? RandomPassword() : password;
        var subject = new AuditSubject("user", user.Id.ToString());
        audit.Add(AuditActions.UserRegistered, AuditOutcomes.Succeeded, Seeder, subject, Seeded);
        Check(await users.CreateAsync(user, chosen), email);
        // Commits with the role grant below: notification-service learns the demo users' (confirmed) addresses.
        Accounts.UserContacts.Publish(db, user, clock);
        audit.Add(AuditActions.RoleGranted, AuditOutcomes.Succeeded, Seeder, subject, new Dictionary<string, string>(Seeded) { ["role"] = role });
        Check(await users.AddToRoleAsync(user, role), email);
        LogUser(logger, role, email, chosen, auth.Value.Issuer);
    }

    private async Task SeedCliClientAsync(CancellationToken ct)
    {
        if (await applications.FindByClientIdAsync(_seed.CliClientId, ct) is { } existing)
        {
            await GrantNewPermissionsAsync(existing, ct);
            return;
        }
        var cli = new OpenIddictApplicationDescriptor
        {
            ClientId = _seed.CliClientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "LedgerX CLI",
            RedirectUris = { new Uri(CliRedirectUri) },
            Permissions =
            {
                OpenIddictConstants.Permissions.Endpoints.Authorization, OpenIddictConstants.Permissions.Endpoints.Token,
                OpenIddictConstants.Permissions.Endpoints.DeviceAuthorization, OpenIddictConstants.Permissions.Endpoints.Revocation,
                OpenIddictConstants.Permissions.GrantTypes.AuthorizationCode, OpenIddictConstants.Permissions.GrantTypes.RefreshToken,
                OpenIddictConstants.Permissions.GrantTypes.DeviceCode, OpenIddictConstants.Permissions.ResponseTypes.Code,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        AddScopes(cli, [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, .. LedgerX.ServiceDefaults.Auth.Permissions.All]);
        audit.Add(AuditActions.ClientRegistered, AuditOutcomes.Succeeded, Seeder, new AuditSubject("client", _seed.CliClientId), Seeded);
        await applications.CreateAsync(cli, ct);
        LogCli(logger, _seed.CliClientId);
    }

    private async Task SeedMachineClientAsync(CancellationToken ct)
    {
        if (await applications.FindByClientIdAsync(_seed.MachineClientId, ct) is not null)
        {
            return;
        }
        var secret = (await dapr.GetSecretAsync(auth.Value.SecretStore, _seed.MachineClientSecretName, cancellationToken: ct)).Values.Single();
        var machine = new OpenIddictApplicationDescriptor
        {
            ClientId = _seed.MachineClientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "LedgerX machine client",
            Permissions =
            {
                OpenIddictConstants.Permissions.Endpoints.Token, OpenIddictConstants.Permissions.Endpoints.Introspection,
                OpenIddictConstants.Permissions.Endpoints.Revocation, OpenIddictConstants.Permissions.GrantTypes.ClientCredentials,
            },
        };
        AddScopes(machine, _seed.MachineClientScopes.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        audit.Add(AuditActions.ClientRegistered, AuditOutcomes.Succeeded, Seeder, new AuditSubject("client", _seed.MachineClientId),
            new Dictionary<string, string>(Seeded) { ["scopes"] = _seed.MachineClientScopes });
        await applications.CreateAsync(machine, ct);
        LogMachine(logger, _seed.MachineClientId, _seed.MachineClientSecretName, auth.Value.Issuer, _seed.MachineClientScopes);
    }

    /// <summary>A CLI client seeded by an older release lacks the permissions added since (notifications:manage, nlp:ask): the CLI asks
    /// for them, and OpenIddict would refuse the whole sign-in. Adds the missing scopes, never removes one, and audits it.</summary>
    private async Task GrantNewPermissionsAsync(object existing, CancellationToken ct)
    {
        var current = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(current, existing, ct);
        var wanted = new OpenIddictApplicationDescriptor();
        AddScopes(wanted, [Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, .. LedgerX.ServiceDefaults.Auth.Permissions.All]);
        var missing = wanted.Permissions.Except(current.Permissions, StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        current.Permissions.UnionWith(missing);
        audit.Add(AuditActions.ClientRegistered, AuditOutcomes.Succeeded, Seeder, new AuditSubject("client", _seed.CliClientId),
            new Dictionary<string, string>(Seeded) { ["change"] = "scopes", ["added"] = string.Join(' ', missing) });
        // UpdateAsync(app, descriptor) keeps the stored secret when the descriptor has none (a public client has none anyway).
        current.ClientSecret = null;
        await applications.UpdateAsync(existing, current, ct);
    }

    internal static void AddScopes(OpenIddictApplicationDescriptor client, IEnumerable<string> scopes)
    {
        foreach (var scope in scopes)
        {
            // openid is not a scope permission in OpenIddict: the token endpoint grants it to any client.
            if (scope != Scopes.OpenId)
            {
                client.Permissions.Add(OpenIddictConstants.Permissions.Prefixes.Scope + scope);
            }
        }
    }

    private static string RandomPassword() =>
        // 18 random bytes as base64url, plus characters that satisfy every class the password policy asks for.
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y') + "aA1";

    private static void Check(IdentityResult result, string email)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Seeding {email} failed: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seeded demo {Role} {Email} with password {Password} (shown once). Sign in at {Issuer}account/login, or run ./ledgerx login")]
    private static partial void LogUser(ILogger logger, string role, string email, string password, string issuer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seeded public client {ClientId}: ./ledgerx login (device flow), then ./ledgerx token prints an access token")]
    private static partial void LogCli(ILogger logger, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seeded confidential client {ClientId}, with its secret in secret store entry {SecretName}: POST grant_type=client_credentials and scope \"{Scopes}\" to {Issuer}connect/token")]
    private static partial void LogMachine(ILogger logger, string clientId, string secretName, string issuer, string scopes);
}
