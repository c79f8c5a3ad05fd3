using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// Parses the app's <c>GET /dapr/subscribe</c> answer. Keys are matched case-insensitively because daprd
/// decodes with Go's case-insensitive JSON rules (pkg/runtime/pubsub/subscriptions.go <c>GetSubscriptionsHTTP</c>)
/// while the SDK writes <c>pubsubName</c>.
/// </summary>
public static class SubscriptionDiscovery
{
    public const int MaxSubscriptions = 1_000;

    public static IReadOnlyList<SubscriptionResource> Parse(string json)
    {
        if (JsonNode.Parse(json) is not JsonArray array)
        {
            throw new FormatException("/dapr/subscribe must return a JSON array");
        }

        if (array.Count > MaxSubscriptions)
        {
            throw new FormatException($"/dapr/subscribe returned more than {MaxSubscriptions} subscriptions");
        }

        var result = new List<SubscriptionResource>();
        foreach (var item in array.OfType<JsonObject>())
        {
            string pubsub = Text(item, "pubsubname") ?? throw new FormatException("a subscription has no pubsubname");
            string topic = Text(item, "topic") ?? throw new FormatException($"a subscription on pubsub {pubsub} has no topic");
            var rules = new List<SubscriptionRule>();
            string? defaultRoute = Text(item, "route");
            if (Get(item, "routes") is JsonObject routes)
            {
                defaultRoute ??= Text(routes, "default");
                if (Get(routes, "rules") is JsonArray ruleArray)
                {
                    foreach (var rule in ruleArray.OfType<JsonObject>())
                    {
                        rules.Add(new SubscriptionRule(Text(rule, "match") ?? "", Routes.Normalize(Text(rule, "path") ?? "")));
                    }
                }
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Get(item, "metadata") is JsonObject meta)
            {
                foreach (var (k, v) in meta)
                {
                    metadata[k] = v is JsonValue jv && jv.TryGetValue(out string? s) ? s : v?.ToJsonString() ?? "";
                }
            }

            result.Add(new SubscriptionResource(
                $"{pubsub}/{topic}",
                pubsub,
                topic,
                new SubscriptionRoutes(defaultRoute is null ? null : Routes.Normalize(defaultRoute), rules),
                Text(item, "deadLetterTopic"),
                metadata,
                [],
                Declarative: false,
                Bulk(Get(item, "bulkSubscribe") as JsonObject)));
        }

        return result;
    }

    private static BulkSubscribeOptions? Bulk(JsonObject? bulk)
    {
        if (bulk is null || Get(bulk, "enabled") is not JsonValue enabled || !enabled.TryGetValue(out bool on) || !on)
        {
            return null;
        }

        return BulkSubscribeOptions.Create(Int(bulk, "maxMessagesCount"), Int(bulk, "maxAwaitDurationMs"));
    }

    private static int? Int(JsonObject obj, string key) =>
        Get(obj, key) is JsonValue v && v.TryGetValue(out int value) ? value : null;

    private static JsonNode? Get(JsonObject obj, string key)
    {
        foreach (var (k, v) in obj)
        {
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }

    private static string? Text(JsonObject obj, string key) =>
        Get(obj, key) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
