using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Testing;
using Npgsql;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The run's own copy of components/ whose secret store reads the run's own copy of secrets.json: every app reads its
/// database's connection string from the store at start-up (docs/adr/0025-credentials-from-the-secret-store.md), and in
/// a test run each of those is a fresh database on the test PostgreSQL. Everything else of the store is the file's, so
/// the apps start exactly as under <c>./ledgerx up</c>, through their sidecars' secrets API.
/// </summary>
public static class SystemSecretStore
{
    private const string SecretStoreFile = "secretstore.yaml";

    /// <summary>components/secretstore.yaml's secretsFile, relative to each app's folder.</summary>
    private const string SecretsFileValue = "../../../components/secrets.json";

    /// <summary>The copied resources folder and the run's connection strings by secret name.</summary>
    public static async Task<(string ResourcesPath, IReadOnlyDictionary<string, string> ConnectionStrings)> WriteAsync(
        IReadOnlyList<string> resourcesPaths, string directory, CancellationToken ct)
    {
        string copy = Directory.CreateDirectory(Path.Combine(directory, "resources")).FullName;
        string secretsCopy = Path.Combine(directory, "secrets.json");
        foreach (string file in resourcesPaths.SelectMany(Directory.EnumerateFiles).Where(f => Path.GetExtension(f) is ".yaml" or ".yml"))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)), overwrite: true);
        }

        string store = Path.Combine(copy, SecretStoreFile);
        string yaml = await File.ReadAllTextAsync(store, ct);
        if (!yaml.Contains(SecretsFileValue, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"components/{SecretStoreFile} no longer reads {SecretsFileValue}: update {nameof(SystemSecretStore)}");
        }

        await File.WriteAllTextAsync(store, yaml.Replace(SecretsFileValue, secretsCopy, StringComparison.Ordinal), ct);

        var secrets = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryRoot.PathOf("components", "secrets.json"), ct))!.AsObject();
        var connectionStrings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in secrets.ToList())
        {
            if (node is JsonValue value && value.TryGetValue(out string? text) && DatabaseOf(text) is { } database)
            {
                string prefix = "e2e_" + database;
                connectionStrings[name] = await TestPostgres.CreateDatabaseAsync(prefix[..Math.Min(prefix.Length, 40)].ToLowerInvariant(), ct);
                secrets[name] = connectionStrings[name];
            }
        }

        await File.WriteAllTextAsync(secretsCopy, secrets.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
        return (copy, connectionStrings);
    }

    /// <summary>The database an app's Npgsql connection string names, or null for any other secret (keys, the state
    /// store's pgx-format string, which the launcher repoints itself).</summary>
    private static string? DatabaseOf(string value)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            return value.Contains(';', StringComparison.Ordinal) && builder is { Host.Length: > 0, Database.Length: > 0 } ? builder.Database : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or KeyNotFoundException)
        {
            return null;
        }
    }
}
