using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Dapr.Client.Autogen.Grpc.v1;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Hosting;

/// <summary>What the metadata API says about the actor runtime (daprd's <c>ActorRuntime</c> message).</summary>
/// <param name="Status">daprd's <c>RuntimeStatus</c>: <c>INITIALIZING</c>, <c>DISABLED</c> (no actor state store) or <c>RUNNING</c>.</param>
/// <param name="ActiveActors">Per hosted type, how many actors are active now.</param>
public sealed record ActorRuntimeView(string Status, bool HostReady, string Placement, IReadOnlyList<(string Type, int Count)> ActiveActors);

/// <summary>
/// The metadata API (HTTP <c>/v1.0/metadata</c> and gRPC GetMetadata/SetMetadata) over the live sidecar state, in
/// daprd's JSON shape (pkg/api/http/metadata.go: empty lists and objects omitted, rules without an empty
/// <c>match</c>, <c>actorRuntime</c>) and with daprd's component capabilities (runtime.getComponentsCapabilitesMap).
/// </summary>
public sealed class MetadataService
{
    public const string RuntimeVersion = "1.16.0-localdapr";
    private const int MaxExtendedEntries = 1_000;

    private readonly string _appId;
    private readonly int? _appPort;
    private readonly string _channelAddress;
    private readonly IReadOnlyList<ComponentResource> _components;
    private readonly Func<IReadOnlyList<ActiveSubscription>> _subscriptions;
    private readonly ConcurrentDictionary<string, string> _extended = new(StringComparer.Ordinal);
    private readonly Func<ActorRuntimeView> _actorRuntime;

    public MetadataService(string appId, int? appPort, string channelAddress, IReadOnlyList<ComponentResource> components, Func<IReadOnlyList<ActiveSubscription>> subscriptions, Func<ActorRuntimeView>? actorRuntime = null)
    {
        _appId = appId;
        _actorRuntime = actorRuntime ?? (() => new ActorRuntimeView("DISABLED", false, "placement: disconnected", []));
        _appPort = appPort;
        _channelAddress = channelAddress;
        _components = components;
        _subscriptions = subscriptions;
        _extended["daprRuntimeVersion"] = RuntimeVersion;
    }

    public void SetExtended(string key, string value)
    {
        if (_extended.Count >= MaxExtendedEntries && !_extended.ContainsKey(key))
        {
            throw Api.DaprApiException.Malformed($"at most {MaxExtendedEntries} metadata entries");
        }

        _extended[key] = value;
    }

    public GetMetadataResponse ToGrpc()
    {
        var response = new GetMetadataResponse { Id = _appId, RuntimeVersion = RuntimeVersion };
        foreach (var c in _components)
        {
            var registered = new RegisteredComponents { Name = c.Name, Type = c.Type, Version = c.Version };
            registered.Capabilities.Add(Capabilities(c));
            response.RegisteredComponents.Add(registered);
        }

        response.ExtendedMetadata.Add(_extended);
        foreach (var s in _subscriptions())
        {
            var subscription = new PubsubSubscription
            {
                PubsubName = s.Resource.PubsubName,
                Topic = s.Resource.Topic,
                DeadLetterTopic = s.Resource.DeadLetterTopic ?? "",
                Rules = new PubsubSubscriptionRules(),
            };
            subscription.Metadata.Add(new Dictionary<string, string>(s.Resource.Metadata));
            foreach (var rule in Rules(s))
            {
                subscription.Rules.Rules.Add(new PubsubSubscriptionRule { Match = rule.Match, Path = rule.Path });
            }

            subscription.Type = s.Resource.Declarative ? PubsubSubscriptionType.Declarative : PubsubSubscriptionType.Programmatic;
            response.Subscriptions.Add(subscription);
        }

        var actors = _actorRuntime();
        var runtime = new ActorRuntime
        {
            RuntimeStatus = Enum.Parse<ActorRuntime.Types.ActorRuntimeStatus>(actors.Status, ignoreCase: true),
            HostReady = actors.HostReady,
            Placement = actors.Placement,
        };
        foreach (var (type, count) in actors.ActiveActors)
        {
            runtime.ActiveActors.Add(new ActiveActorsCount { Type = type, Count = count });
#pragma warning disable CS0612 // daprd still fills the deprecated alias for older SDKs.
            response.ActiveActorsCount.Add(new ActiveActorsCount { Type = type, Count = count });
#pragma warning restore CS0612
        }

        response.ActorRuntime = runtime;

        if (_appPort is { } port)
        {
            response.AppConnectionProperties = new AppConnectionProperties { Port = port, Protocol = "http", ChannelAddress = _channelAddress };
        }

        return response;
    }

    public JsonObject ToJson()
    {
        var components = new JsonArray();
        foreach (var c in _components)
        {
            components.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["version"] = c.Version,
                ["capabilities"] = new JsonArray(Capabilities(c).Select(x => (JsonNode?)x).ToArray()),
            });
        }

        var subscriptions = new JsonArray();
        foreach (var s in _subscriptions())
        {
            var subscription = new JsonObject
            {
                ["pubsubname"] = s.Resource.PubsubName,
                ["topic"] = s.Resource.Topic,
            };
            if (s.Resource.Metadata.Count > 0)
            {
                subscription["metadata"] = new JsonObject(s.Resource.Metadata.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value)));
            }

            var rules = Rules(s).Select(r => (JsonNode?)RuleJson(r.Match, r.Path)).ToArray();
            if (rules.Length > 0)
            {
                subscription["rules"] = new JsonArray(rules);
            }

            subscription["deadLetterTopic"] = s.Resource.DeadLetterTopic ?? "";
            subscription["type"] = s.Resource.Declarative ? "DECLARATIVE" : "PROGRAMMATIC";
            subscriptions.Add(subscription);
        }

        var actors = _actorRuntime();
        var active = new JsonArray([.. actors.ActiveActors.Select(a => (JsonNode)new JsonObject { ["type"] = a.Type, ["count"] = a.Count })]);
        var actorRuntime = new JsonObject { ["runtimeStatus"] = actors.Status };
        if (active.Count > 0)
        {
            actorRuntime["activeActors"] = active.DeepClone();
        }

        actorRuntime["hostReady"] = actors.HostReady;
        if (actors.Placement.Length > 0)
        {
            actorRuntime["placement"] = actors.Placement;
        }

        // Field order and omission as daprd's metadataResponse (omitempty / omitzero).
        var result = new JsonObject { ["id"] = _appId, ["runtimeVersion"] = RuntimeVersion };
        if (active.Count > 0)
        {
            result["actors"] = active;
        }

        if (components.Count > 0)
        {
            result["components"] = components;
        }

        result["extended"] = new JsonObject(_extended.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value)));
        if (subscriptions.Count > 0)
        {
            result["subscriptions"] = subscriptions;
        }

        if (_appPort is { } port)
        {
            result["appConnectionProperties"] = new JsonObject { ["port"] = port, ["protocol"] = "http", ["channelAddress"] = _channelAddress };
        }

        result["actorRuntime"] = actorRuntime;
        return result;
    }

    /// <summary>Go's <c>omitempty</c>: a rule without a CEL match (the default route) has no <c>match</c> key at all.</summary>
    private static JsonObject RuleJson(string match, string path)
    {
        var rule = new JsonObject();
        if (match.Length > 0)
        {
            rule["match"] = match;
        }

        if (path.Length > 0)
        {
            rule["path"] = path;
        }

        return rule;
    }

    private static IEnumerable<(string Match, string Path)> Rules(ActiveSubscription s)
    {
        foreach (var rule in s.Resource.Routes.Rules)
        {
            yield return (rule.Match, rule.Path);
        }

        if (s.Resource.Routes.Default is { } route)
        {
            yield return ("", route);
        }
    }

    /// <summary>
    /// daprd's capabilities: the component's components-contrib features, plus <c>ACTOR</c> for a state store with
    /// both ETAG and TRANSACTIONAL, <c>OUTPUT_BINDING</c>/<c>INPUT_BINDING</c> for bindings. <c>pubsub.in-memory</c>
    /// leaves out <c>SUBSCRIBE_WILDCARDS</c>, because topic wildcards are not supported here (docs/local-dapr.md).
    /// </summary>
    private static string[] Capabilities(ComponentResource component) => component.Type switch
    {
        "state.in-memory" => ["ETAG", "TRANSACTIONAL", "TTL", "DELETE_WITH_PREFIX", "KEYS_LIKE", "ACTOR"],
        "state.postgresql" => ["ETAG", "TRANSACTIONAL", "TTL", "KEYS_LIKE", "ACTOR"],
        "bindings.localstorage" or "bindings.smtp" or "bindings.http" => ["OUTPUT_BINDING"],
        "bindings.cron" => ["INPUT_BINDING"],
        "secretstores.local.file" when component.Metadata.Any(m => string.Equals(m.Name, "multiValued", StringComparison.OrdinalIgnoreCase)
            && string.Equals(m.Value?.Trim(), "true", StringComparison.OrdinalIgnoreCase)) => ["MULTIPLE_KEY_VALUES_PER_SECRET"],
        _ => [],
    };
}
