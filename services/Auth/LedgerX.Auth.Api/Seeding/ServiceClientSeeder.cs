using System.Text.RegularExpressions;
using Dapr.Client;
using LedgerX.Auth.Api.Audit;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LedgerX.Auth.Api.Seeding;

/// <summary>
/// Registers the services' own confidential clients (<see cref="ServiceClientOptions"/>) on every start, from
/// configuration and the secret store: configuration is the truth, so a client whose scopes or secret changed there is
/// updated (a rotated secret takes effect at the next start). Each creation or change is audited with auth-service as the
/// actor, in the same unit of work, like the demo seed.
/// </summary>
public sealed partial class ServiceClientSeeder(
    IOpenIddictApplicationManager applications, DaprClient dapr, IOptions<SeedOptions> options, IOptions<AuthOptions> auth,
    ISecurityAudit audit, ILogger<ServiceClientSeeder> logger)
{
    private static readonly AuditActor Seeder = AuditActor.Service(AuthRegistration.AppId);

    public async Task SeedAsync(CancellationToken ct)
    {
        foreach (var (clientId, client) in options.Value.ServiceClients.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            await SeedAsync(clientId, client, ct);
        }
    }

    private async Task SeedAsync(string clientId, ServiceClientOptions client, CancellationToken ct)
    {
        var secretName = client.SecretNameFor(clientId);
        var secret = (await dapr.GetSecretAsync(auth.Value.SecretStore, secretName, cancellationToken: ct)).Values.SingleOrDefault();
        if (string.IsNullOrEmpty(secret))
        {
            throw new InvalidOperationException($"Service client {clientId}: secret store entry '{secretName}' is empty.");
        }
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = $"LedgerX service {clientId}",
            Permissions = { OpenIddictConstants.Permissions.Endpoints.Token, OpenIddictConstants.Permissions.GrantTypes.ClientCredentials },
        };
        DemoSeeder.AddScopes(descriptor, client.ScopeList());
        var details = new Dictionary<string, string> { ["reason"] = "service_client", ["scopes"] = string.Join(' ', client.ScopeList()) };

        if (await applications.FindByClientIdAsync(clientId, ct) is not { } existing)
        {
            audit.Add(AuditActions.ClientRegistered, AuditOutcomes.Succeeded, Seeder, new AuditSubject("client", clientId), details);
            await applications.CreateAsync(descriptor, ct);
            LogCreated(logger, clientId, details["scopes"], secretName);
            return;
        }
        var current = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(current, existing, ct);
        var scopesChanged = !current.Permissions.SetEquals(descriptor.Permissions);
        var secretChanged = !await applications.ValidateClientSecretAsync(existing, secret, ct);
        if (!scopesChanged && !secretChanged)
        {
            return;
        }
        current.Permissions.Clear();
        current.Permissions.UnionWith(descriptor.Permissions);
        current.ClientType = ClientTypes.Confidential;
        details["change"] = string.Join(',', new[] { scopesChanged ? "scopes" : null, secretChanged ? "secret" : null }.OfType<string>());
        audit.Add(AuditActions.ClientRegistered, AuditOutcomes.Succeeded, Seeder, new AuditSubject("client", clientId), details);
        // UpdateAsync(app, descriptor) hashes the secret it is given; without one it keeps the stored hash.
        current.ClientSecret = secretChanged ? secret : null;
        await applications.UpdateAsync(existing, current, ct);
        LogUpdated(logger, clientId, details["change"], details["scopes"]);
    }

    /// <summary>Client ids become secret names and log fields: the Dapr app-id alphabet only.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\\z")]
    public static partial Regex ClientIdPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered service client {ClientId} with scopes \"{Scopes}\" (secret from secret store entry {SecretName})")]
    private static partial void LogCreated(ILogger logger, string clientId, string scopes, string secretName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updated service client {ClientId} ({Change}) from configuration; scopes now \"{Scopes}\"")]
    private static partial void LogUpdated(ILogger logger, string clientId, string change, string scopes);
}
