using System.Globalization;
using LedgerX.LocalDapr.Bindings;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Resources;
using LedgerX.LocalDapr.Secrets;
using LedgerX.LocalDapr.State;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Hosting;

/// <summary>Everything built from the Component resources of one sidecar.</summary>
public sealed record LoadedComponents(
    IReadOnlyDictionary<string, StateComponent> StateStores,
    IReadOnlyDictionary<string, PubSubComponent> PubSubs,
    IReadOnlyDictionary<string, ISecretStore> SecretStores,
    IReadOnlyDictionary<string, OutputBinding> OutputBindings,
    IReadOnlyList<CronInputBinding> InputBindings,
    IReadOnlyList<ComponentResource> All);

/// <summary>
/// Turns Component resources into backends: secret stores first (so <c>secretKeyRef</c> can be resolved
/// through <c>auth.secretStore</c>, as daprd's pkg/runtime/processor/secret/secret.go does), then <c>envRef</c> and the rest.
/// </summary>
internal static class ComponentFactory
{
    /// <summary>
    /// Resolves every component's metadata (secret stores are opened for that) without starting backends:
    /// what the launcher needs to see which PostgreSQL and Redis servers the components point at.
    /// </summary>
    public static IReadOnlyList<(ComponentResource Component, IReadOnlyDictionary<string, string> Metadata)> ResolveMetadata(ResourceSet resources, string workingDirectory)
    {
        var secretStores = OpenSecretStores(resources, workingDirectory, null);
        return resources.Components.Select(c => (c, (IReadOnlyDictionary<string, string>)Resolve(c, secretStores, null))).ToList();
    }

    public static async Task<LoadedComponents> BuildAsync(
        ResourceSet resources,
        string appId,
        string workingDirectory,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> overrides,
        InMemoryPubSubNetwork? inMemoryNetwork,
        ILoggerFactory loggers,
        TimeProvider time,
        CancellationToken cancellationToken,
        string appNamespace = "default",
        string? podName = null)
    {
        var secretStores = OpenSecretStores(resources, workingDirectory, overrides);
        var built = new Backends();
        try
        {
            foreach (var c in resources.Components.Where(c => c.Category != "secretstores"))
            {
                var meta = Resolve(c, secretStores, overrides.GetValueOrDefault(c.Name));
                ComponentMetadataTemplates.Expand(meta, appId, appNamespace, podName, c.Name, c.File);
                await AddBackendAsync(c, meta, built, appId, workingDirectory, inMemoryNetwork, loggers, time, cancellationToken);
            }
        }
        catch
        {
            // A later component failed: close the connections the earlier ones opened.
            await built.DisposeAsync();
            throw;
        }

        return new LoadedComponents(built.States, built.PubSubs, secretStores, built.Outputs, built.Inputs, resources.Components);
    }

    private static async Task AddBackendAsync(
        ComponentResource c,
        Dictionary<string, string> meta,
        Backends built,
        string appId,
        string workingDirectory,
        InMemoryPubSubNetwork? inMemoryNetwork,
        ILoggerFactory loggers,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        string keyPrefix = meta.GetValueOrDefault("keyPrefix") ?? "appid";
        string consumerId = meta.GetValueOrDefault("consumerID") ?? appId;
        switch (c.Type)
        {
            case "state.in-memory":
                built.States[c.Name] = new StateComponent(c.Name, c.Type, new InMemoryStateStore(time), keyPrefix);
                break;
            case "state.postgresql":
                if (c.Version != "v2")
                {
                    throw new ResourceException(c.File, "spec.version", $"state.postgresql {c.Version} is not supported here; use version: v2 (uuid etag, bytea value)");
                }

                var store = await PostgresStateStore.OpenAsync(
                    Required(c, meta, "connectionString"),
                    meta.GetValueOrDefault("tablePrefix") ?? "",
                    Duration(c, meta, "timeout") ?? TimeSpan.FromSeconds(20),
                    Duration(c, meta, "cleanupInterval") ?? TimeSpan.FromHours(1),
                    cancellationToken);
                built.States[c.Name] = new StateComponent(c.Name, c.Type, store, keyPrefix);
                break;
            case "pubsub.in-memory":
                var inMemoryLogger = loggers.CreateLogger("pubsub." + c.Name);
                built.PubSubs[c.Name] = inMemoryNetwork is null
                    ? new PubSubComponent(c.Name, c.Type, new InMemoryBroker(inMemoryLogger), consumerId) { Scopes = TopicScopes.From(meta, appId) }
                    : new PubSubComponent(c.Name, c.Type, inMemoryNetwork.GetOrCreate(c.Name, inMemoryLogger), consumerId, OwnsBroker: false) { Scopes = TopicScopes.From(meta, appId) };
                break;
            case "pubsub.redis":
                built.PubSubs[c.Name] = new PubSubComponent(c.Name, c.Type, await RedisBrokerAsync(c, meta, loggers), consumerId) { Scopes = TopicScopes.From(meta, appId) };
                break;
            case "bindings.localstorage":
                built.Outputs[c.Name] = new LocalStorageBinding(Path.GetFullPath(Required(c, meta, "rootPath"), workingDirectory));
                break;
            case "bindings.smtp":
                built.Outputs[c.Name] = new SmtpBinding(BindingSettings(c, () => SmtpSettings.From(meta)));
                break;
            case "bindings.http":
                built.Outputs[c.Name] = new HttpBinding(BindingSettings(c, () => HttpBindingMetadata.From(meta)));
                break;
            case "bindings.cron":
                built.Inputs.Add(new CronInputBinding(c.Name, ParseSchedule(c, Required(c, meta, "schedule"))));
                break;
            default:
                throw new ResourceException(c.File, "spec.type", $"unknown component type '{c.Type}'");
        }
    }

    private static Dictionary<string, ISecretStore> OpenSecretStores(
        ResourceSet resources, string workingDirectory, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? overrides)
    {
        var secretStores = new Dictionary<string, ISecretStore>(StringComparer.Ordinal);
        foreach (var c in resources.Components.Where(c => c.Category == "secretstores"))
        {
            // Overridable like any component's metadata: the launcher points a file store at a copy whose connection
            // strings follow its PostgreSQL (Launcher/SecretsFileRedirect.cs).
            var meta = Resolve(c, secretStores, overrides?.GetValueOrDefault(c.Name));
            secretStores[c.Name] = c.Type switch
            {
                "secretstores.local.file" => new LocalFileSecretStore(
                    Path.GetFullPath(Required(c, meta, "secretsFile"), workingDirectory),
                    meta.GetValueOrDefault("nestedSeparator") is { Length: > 0 } sep ? sep : ":",
                    Bool(c, meta, "multiValued") ?? false),
                _ => new EnvironmentSecretStore(),
            };
        }

        return secretStores;
    }

    /// <summary>A binding's Init error fails the component, as daprd refuses to load it.</summary>
    private static T BindingSettings<T>(ComponentResource c, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (BindingException ex)
        {
            throw new ResourceException(c.File, "spec.metadata", ex.Message);
        }
    }

    private static CronSchedule ParseSchedule(ComponentResource c, string text)
    {
        try
        {
            return CronSchedule.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new ResourceException(c.File, "spec.metadata.schedule", ex.Message);
        }
    }

    private static async Task<RedisStreamsBroker> RedisBrokerAsync(ComponentResource c, Dictionary<string, string> meta, ILoggerFactory loggers)
    {
        if (Bool(c, meta, "enableTLS") == true)
        {
            throw new ResourceException(c.File, "spec.metadata.enableTLS", "TLS to Redis is not supported by the local sidecar");
        }

        if (meta.ContainsKey("maxLenApprox") && meta.ContainsKey("streamTTL"))
        {
            throw new ResourceException(c.File, "spec.metadata", "maxLenApprox cannot be combined with streamTTL");
        }

        var settings = new RedisStreamsSettings(
            Required(c, meta, "redisHost"),
            meta.GetValueOrDefault("redisPassword"),
            Int(c, meta, "redisDB") ?? 0,
            Math.Clamp(Int(c, meta, "queueDepth") ?? 100, 1, 10_000),
            Math.Clamp(Int(c, meta, "concurrency") ?? 10, 1, 1_000),
            RedisDuration(c, meta, "processingTimeout") ?? TimeSpan.FromSeconds(60),
            RedisDuration(c, meta, "redeliverInterval") ?? TimeSpan.FromSeconds(15),
            Int(c, meta, "maxLenApprox"));
        return await RedisStreamsBroker.ConnectAsync(settings, loggers.CreateLogger("pubsub." + c.Name));
    }

    /// <summary>Literal values, then <c>envRef</c> (only where no literal value is given), then <c>secretKeyRef</c>; keys
    /// case-insensitive as components-contrib decodes them.</summary>
    private static Dictionary<string, string> Resolve(ComponentResource c, IReadOnlyDictionary<string, ISecretStore> secretStores, IReadOnlyDictionary<string, string>? overrides)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < c.Metadata.Count; i++)
        {
            var item = c.Metadata[i];
            string field = $"spec.metadata[{i}]";
            if (item.EnvRef is { } variable)
            {
                // daprd refuses to expose its own and the app's tokens through envRef (secret.go <c>isEnvVarAllowed</c>).
                if (variable == "APP_API_TOKEN" || variable.StartsWith("DAPR_", StringComparison.Ordinal))
                {
                    throw new ResourceException(c.File, field + ".envRef", $"{variable} may not be referenced");
                }

                // daprd consults envRef only when the item has no literal value (RT pkg/runtime/processor/secret/secret.go).
                result[item.Name] = !string.IsNullOrEmpty(item.Value) ? item.Value : Environment.GetEnvironmentVariable(variable) ?? "";
            }
            else if (item.SecretKeyRef is { } secretRef)
            {
                if (c.SecretStore is not { } storeName)
                {
                    throw new ResourceException(c.File, field + ".secretKeyRef", "needs auth.secretStore naming the secret store to read from");
                }

                if (!secretStores.TryGetValue(storeName, out var store))
                {
                    throw new ResourceException(c.File, "auth.secretStore", $"secret store '{storeName}' is not loaded for this app");
                }

                var secret = store.Get(secretRef.Name)
                    ?? throw new ResourceException(c.File, field + ".secretKeyRef.name", $"secret '{secretRef.Name}' not found in store '{storeName}'");
                string key = string.IsNullOrEmpty(secretRef.Key) ? secretRef.Name : secretRef.Key;
                result[item.Name] = secret.TryGetValue(key, out string? value)
                    ? value
                    : throw new ResourceException(c.File, field + ".secretKeyRef.key", $"secret '{secretRef.Name}' has no key '{key}'");
            }
            else
            {
                result[item.Name] = item.Value ?? "";
            }
        }

        // Launcher overrides (e.g. the connection of a PostgreSQL it started) win over the file.
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            result[key] = value;
        }

        return result;
    }

    private static string Required(ComponentResource c, Dictionary<string, string> meta, string name) =>
        meta.TryGetValue(name, out string? value) && value.Length > 0
            ? value
            : throw new ResourceException(c.File, $"spec.metadata.{name}", $"is required for {c.Type}");

    private static bool? Bool(ComponentResource c, Dictionary<string, string> meta, string name) =>
        !meta.TryGetValue(name, out string? text) ? null
        : bool.TryParse(text, out bool value) ? value
        : throw new ResourceException(c.File, $"spec.metadata.{name}", $"'{text}' is not true/false");

    private static int? Int(ComponentResource c, Dictionary<string, string> meta, string name) =>
        !meta.TryGetValue(name, out string? text) ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
        : throw new ResourceException(c.File, $"spec.metadata.{name}", $"'{text}' is not an integer");

    private static TimeSpan? Duration(ComponentResource c, Dictionary<string, string> meta, string name) =>
        !meta.TryGetValue(name, out string? text) ? null
        : GoDuration.TryParse(text, out TimeSpan value) ? value
        : throw new ResourceException(c.File, $"spec.metadata.{name}", $"'{text}' is not a duration");

    private static TimeSpan? RedisDuration(ComponentResource c, Dictionary<string, string> meta, string name) =>
        !meta.TryGetValue(name, out string? text) ? null
        : GoDuration.TryParseOrMilliseconds(text, out TimeSpan value) ? value
        : throw new ResourceException(c.File, $"spec.metadata.{name}", $"'{text}' is not a duration or milliseconds");

    /// <summary>The backends built so far, so a failure halfway can close them.</summary>
    private sealed class Backends : IAsyncDisposable
    {
        public Dictionary<string, StateComponent> States { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, PubSubComponent> PubSubs { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, OutputBinding> Outputs { get; } = new(StringComparer.Ordinal);

        public List<CronInputBinding> Inputs { get; } = [];

        public async ValueTask DisposeAsync()
        {
            foreach (var state in States.Values)
            {
                await state.Store.DisposeAsync();
            }

            foreach (var pubsub in PubSubs.Values.Where(p => p.OwnsBroker))
            {
                await pubsub.Broker.DisposeAsync();
            }

            foreach (var output in Outputs.Values.OfType<IDisposable>())
            {
                output.Dispose();
            }
        }
    }
}
