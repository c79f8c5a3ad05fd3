using System.ComponentModel.DataAnnotations;

namespace LedgerX.Fraud.Api.ServiceIdentity;

/// <summary>
/// "Fraud:ServiceToken": fraud-service's own OAuth client, whose client-credentials access token it sends when it acts on
/// its own (freezing an account, requesting a reversal), as opposed to on a user's behalf. auth-service registers the
/// client from <c>Auth:Seed:ServiceClients:fraud-service</c>; both read the secret from the same secret store entry.
/// </summary>
public sealed class ServiceTokenOptions
{
    public const string Section = "Fraud:ServiceToken";

    [Required(AllowEmptyStrings = false), StringLength(100)]
    public string ClientId { get; set; } = "fraud-service";

    /// <summary>The Dapr secret store holding the client secret (components/secretstore.yaml; a Kubernetes secret in the chart).</summary>
    [Required(AllowEmptyStrings = false)]
    public string SecretStore { get; set; } = "secretstore";

    [Required(AllowEmptyStrings = false)]
    public string SecretName { get; set; } = "fraud-service-client-secret";

    /// <summary>Space-separated permissions asked for: exactly what the policy actions need on transaction-service.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Scopes { get; set; } = "accounts:freeze accounts:any ledger:write ledger:read";

    /// <summary>A cached token is replaced this long before it expires, so a call never leaves with one that expires in flight.</summary>
    [Range(0, 3_600)]
    public int RefreshBeforeExpirySeconds { get; set; } = 60;

    /// <summary>How long one token request to auth-service may take.</summary>
    [Range(100, 60_000)]
    public int TimeoutMs { get; set; } = 5_000;
}
