using System.ComponentModel.DataAnnotations;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.Api.Seeding;

/// <summary>
/// "Auth:Seed:ServiceClients:&lt;client-id&gt;": a LedgerX service's own confidential OAuth client, for the calls it makes
/// on its own behalf (client credentials), e.g. fraud-service freezing an account. Unlike the demo seed these exist in
/// every environment, so they are registered on every start, whatever <c>Auth:Seed:Enabled</c> says.
/// </summary>
public sealed class ServiceClientOptions
{
    /// <summary>Space-separated permissions the client may ask for: only what the service's own calls need.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Scopes { get; set; } = "";

    /// <summary>The secret store entry with the client secret; empty: <c>&lt;client-id&gt;-client-secret</c>. The service
    /// reads the same entry to authenticate.</summary>
    public string? SecretName { get; set; }

    public string SecretNameFor(string clientId) => string.IsNullOrWhiteSpace(SecretName) ? $"{clientId}-client-secret" : SecretName;

    /// <summary>The configured scopes that are not LedgerX permissions (a typo would otherwise be a silent 403 later).</summary>
    public IEnumerable<string> UnknownScopes() =>
        ScopeList().Where(scope => !Permissions.All.Contains(scope, StringComparer.Ordinal));

    public IReadOnlyList<string> ScopeList() => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Refuses to start with a service client auth-service could not register as configured: a bad client id, no
/// scopes, or a scope that is not a LedgerX permission.</summary>
public sealed class ServiceClientsValidator : Microsoft.Extensions.Options.IValidateOptions<SeedOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, SeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (clientId, client) in options.ServiceClients)
        {
            var key = $"{SeedOptions.Section}:{nameof(SeedOptions.ServiceClients)}:{clientId}";
            if (!ServiceClientSeeder.ClientIdPattern().IsMatch(clientId))
            {
                errors.Add($"{key}: a client id is 1 to 63 letters, digits, '.', '_' or '-'.");
            }
            if (client.ScopeList().Count == 0)
            {
                errors.Add($"{key}:Scopes is required.");
            }
            foreach (var unknown in client.UnknownScopes())
            {
                errors.Add($"{key}:Scopes: '{unknown}' is not a LedgerX permission.");
            }
        }
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
