using System.Globalization;
using System.Text;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Conformance.Tests.Harness;

/// <summary>Which real backends the sidecar runs on for a conformance run.</summary>
public enum ConformanceBackend
{
    /// <summary><c>state.in-memory</c> (actor state store, so workflows and actors too) and <c>pubsub.in-memory</c>.</summary>
    InMemory,

    /// <summary>
    /// <c>state.postgresql</c> v2 on a fresh database of the test PostgreSQL (actor state store: workflows persist
    /// there) and <c>pubsub.redis</c> on the test Redis, both from the environment <c>./ledgerx test</c> provides.
    /// </summary>
    PostgresRedis,
}

/// <summary>
/// Writes the components of a backend into a resources folder. The component names are the same on every backend
/// (<see cref="StateStore"/>, <see cref="PubSub"/>), so a JavaScript app never knows which one it runs on.
/// </summary>
internal static class ConformanceComponents
{
    public const string StateStore = "statestore";
    public const string PubSub = "pubsub";

    /// <summary><c>secretstores.local.env</c>: the launcher's environment (a fixture adds variables through <c>LauncherEnvironment</c>).</summary>
    public const string SecretStore = "secretstore";

    /// <summary>Writes the components; returns the database to drop afterwards (PostgreSQL) or null.</summary>
    public static async Task<string?> WriteAsync(ConformanceBackend backend, string resourcesDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(resourcesDirectory);
        string? database = null;
        string state;
        string pubsub;
        if (backend == ConformanceBackend.InMemory)
        {
            state = Component(StateStore, "state.in-memory", ("actorStateStore", "true"));
            pubsub = Component(PubSub, "pubsub.in-memory");
        }
        else
        {
            database = await TestPostgres.CreateDatabaseAsync("conformance", cancellationToken);
            state = Component(StateStore, "state.postgresql", ("connectionString", database), ("actorStateStore", "true"));
            pubsub = Component(PubSub, "pubsub.redis", ("redisHost", TestRedis.GetConnectionString()));
        }

        await File.WriteAllTextAsync(Path.Combine(resourcesDirectory, "statestore.yaml"), state, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(resourcesDirectory, "pubsub.yaml"), pubsub, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(resourcesDirectory, "secretstore.yaml"), Component(SecretStore, "secretstores.local.env"), cancellationToken);
        return database;
    }

    private static string Component(string name, string type, params (string Name, string Value)[] metadata)
    {
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n");
        yaml.Append(CultureInfo.InvariantCulture, $"  type: {type}\n  version: {(type == "state.postgresql" ? "v2" : "v1")}\n");
        yaml.Append(metadata.Length == 0 ? "  metadata: []\n" : "  metadata:\n");
        foreach (var (key, value) in metadata)
        {
            // Double-quoted YAML scalar: a connection string's ';' and '=' stay literal.
            string quoted = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            yaml.Append(CultureInfo.InvariantCulture, $"    - name: {key}\n      value: \"{quoted}\"\n");
        }

        return yaml.ToString();
    }
}
