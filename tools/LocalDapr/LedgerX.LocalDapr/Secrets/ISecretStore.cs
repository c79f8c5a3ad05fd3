namespace LedgerX.LocalDapr.Secrets;

/// <summary>A secret store; a secret is a small map (most stores return a single entry named like the key).</summary>
public interface ISecretStore
{
    /// <summary>Null when the key does not exist (the API turns that into ERR_SECRET_GET, as daprd's pkg/api/universal/secrets.go does).</summary>
    IReadOnlyDictionary<string, string>? Get(string key);

    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> GetBulk();
}
