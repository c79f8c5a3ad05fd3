using System.Text.Json;
using System.Text.Json.Nodes;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// A local file secret store's file with the connection strings <see cref="PostgresAppRedirect"/> repoints: apps read
/// their own connection strings from the secret store at start-up (docs/adr/0025-credentials-from-the-secret-store.md),
/// so when the launcher moves them to its PostgreSQL the store must answer with the moved values. The copy is written
/// beside the launcher's state (owner-only, it holds the same development passwords as the original), and the store is
/// pointed at it by a metadata override; the original file is never rewritten.
/// </summary>
public static class SecretsFileRedirect
{
    /// <summary>The copy's path and the rewrites made, or null when no top-level string value needed one.</summary>
    public static (string File, IReadOnlyList<ConnectionStringRewrite> Rewrites)? Write(string secretsFile, PostgresAppRedirect redirect, string directory, string componentName)
    {
        if (!File.Exists(secretsFile) || JsonNode.Parse(File.ReadAllText(secretsFile)) is not JsonObject secrets)
        {
            // Not ours to judge: the sidecar reports a missing or malformed file when it opens the store.
            return null;
        }

        var rewrites = new List<ConnectionStringRewrite>();
        foreach (var (name, node) in secrets.ToList())
        {
            if (node is JsonValue value && value.TryGetValue(out string? text) && redirect.RewriteSecret(name, text) is { } rewrite)
            {
                secrets[name] = rewrite.Value;
                rewrites.Add(rewrite);
            }
        }

        if (rewrites.Count == 0)
        {
            return null;
        }

        string copy = Path.Combine(Directory.CreateDirectory(directory).FullName, componentName + ".secrets.json");
        File.WriteAllText(copy, secrets.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (copy, rewrites);
    }
}
