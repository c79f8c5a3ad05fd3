using System.Collections;

namespace LedgerX.LocalDapr.Secrets;

/// <summary><c>secretstores.local.env</c>: every environment variable of the sidecar process is a secret.</summary>
public sealed class EnvironmentSecretStore : ISecretStore
{
    public IReadOnlyDictionary<string, string>? Get(string key) =>
        Environment.GetEnvironmentVariable(key) is { } value
            ? new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value }
            : null;

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> GetBulk()
    {
        var all = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            string key = (string)e.Key;
            all[key] = new Dictionary<string, string>(StringComparer.Ordinal) { [key] = (string?)e.Value ?? "" };
        }

        return all;
    }
}
