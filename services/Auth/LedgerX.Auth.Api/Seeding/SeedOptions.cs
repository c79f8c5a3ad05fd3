namespace LedgerX.Auth.Api.Seeding;

/// <summary>"Auth:Seed": the demo users and clients created on first start of a Development run (`./ledgerx up`), and
/// the services' own clients, registered on every start.</summary>
public sealed class SeedOptions
{
    public const string Section = "Auth:Seed";

    public bool Enabled { get; set; }

    public string AdminEmail { get; set; } = "admin@ledgerx.local";

    /// <summary>Empty: a random password, printed once when the user is created.</summary>
    public string? AdminPassword { get; set; }

    public string CustomerEmail { get; set; } = "customer@ledgerx.local";

    public string? CustomerPassword { get; set; }

    /// <summary>The public client of `./ledgerx login` (device flow, code + PKCE on a loopback redirect).</summary>
    public string CliClientId { get; set; } = "ledgerx-cli";

    /// <summary>A confidential client for service-to-service calls (client credentials), its secret in the secret store.</summary>
    public string MachineClientId { get; set; } = "ledgerx-machine";

    public string MachineClientSecretName { get; set; } = "auth-machine-client-secret";

    /// <summary>Space-separated permissions the machine client may ask for.</summary>
    public string MachineClientScopes { get; set; } = "ledger:read ledger:write";

    /// <summary>The services' own clients by client id (<see cref="ServiceClientOptions"/>): registered on every start, in
    /// every environment, independently of <see cref="Enabled"/>.</summary>
    public Dictionary<string, ServiceClientOptions> ServiceClients { get; set; } = [];
}
