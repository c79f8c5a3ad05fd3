using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Actors;

/// <summary>How one actor type behaves, from the app's <c>GET /dapr/config</c> (pkg/config/app_configuration.go <c>ApplicationConfig</c>), with daprd's defaults.</summary>
public sealed record ActorTypeSettings(
    string ActorType,
    TimeSpan IdleTimeout,
    TimeSpan ScanInterval,
    bool ReentrancyEnabled,
    int MaxStackDepth)
{
    /// <summary>daprd's defaults (RT <c>pkg/actors/api/config.go</c>): idle 60 m, scan 30 s, stack depth 32.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(60);

    public static readonly TimeSpan DefaultScanInterval = TimeSpan.FromSeconds(30);

    public const int DefaultMaxStackDepth = 32;
}

/// <summary>Parses the app's actor configuration: top-level settings, overridden per type by <c>entitiesConfig</c>.</summary>
public static class ActorConfig
{
    /// <summary>Bounds the config document so a misbehaving app cannot make the sidecar buffer without limit.</summary>
    public const int MaxConfigBytes = 1 << 20;

    public static IReadOnlyDictionary<string, ActorTypeSettings> Parse(string json)
    {
        var result = new Dictionary<string, ActorTypeSettings>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("/dapr/config is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"/dapr/config is not valid JSON: {ex.Message}", ex);
        }

        var defaults = Read(root, "", null);
        foreach (string type in Entities(root))
        {
            result[type] = defaults with { ActorType = type };
        }

        if (root["entitiesConfig"] is JsonArray overrides)
        {
            foreach (var node in overrides.OfType<JsonObject>())
            {
                foreach (string type in Entities(node))
                {
                    result[type] = Read(node, type, result.GetValueOrDefault(type) ?? defaults);
                }
            }
        }

        return result;
    }

    private static IEnumerable<string> Entities(JsonObject node) =>
        (node["entities"] as JsonArray)?.Select(e => e is JsonValue v && v.TryGetValue(out string? s) ? s : null).OfType<string>().Where(s => s.Length > 0)
        ?? [];

    private static ActorTypeSettings Read(JsonObject node, string type, ActorTypeSettings? fallback)
    {
        var idle = Duration(node, "actorIdleTimeout") ?? fallback?.IdleTimeout ?? ActorTypeSettings.DefaultIdleTimeout;
        var scan = Duration(node, "actorScanInterval") ?? fallback?.ScanInterval ?? ActorTypeSettings.DefaultScanInterval;
        bool reentrant = fallback?.ReentrancyEnabled ?? false;
        int depth = fallback?.MaxStackDepth ?? ActorTypeSettings.DefaultMaxStackDepth;
        if (node["reentrancy"] is JsonObject reentrancy)
        {
            if (reentrancy["enabled"] is JsonValue enabled && enabled.TryGetValue(out bool on))
            {
                reentrant = on;
            }

            if (reentrancy["maxStackDepth"] is JsonValue max && max.TryGetValue(out int d) && d > 0)
            {
                depth = d;
            }
        }

        return new ActorTypeSettings(type, idle, scan, reentrant, depth);
    }

    private static TimeSpan? Duration(JsonObject node, string name)
    {
        if (node[name] is not JsonValue value || !value.TryGetValue(out string? text) || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return GoDuration.TryParse(text, out TimeSpan parsed) && parsed > TimeSpan.Zero
            ? parsed
            : throw new FormatException($"/dapr/config: {name} '{text}' is not a positive Go duration");
    }
}
