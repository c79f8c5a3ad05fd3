using Microsoft.Extensions.Configuration;

namespace LedgerX.ServiceDefaults.Secrets;

/// <summary>
/// One credential a service reads from the Dapr secret store at start-up, and the configuration key it fills: the
/// secret's name is the same in every store (a key of components/secrets.json locally, a key of the chart's Secret or
/// Vault map in a cluster), so it is a constant of the service that owns it, never derived from a type name.
/// </summary>
public sealed record ServiceSecret(string SecretName, string ConfigurationKey)
{
    /// <summary>A connection string: <c>ConnectionStrings:{name}</c>, where <c>GetConnectionString(name)</c> reads it.</summary>
    public static ServiceSecret ConnectionString(string name, string secretName) =>
        new(secretName, ConfigurationPath.Combine("ConnectionStrings", name));
}
