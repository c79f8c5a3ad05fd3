using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Dapr.Client.Autogen.Grpc.v1;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Hosting;

/// <summary>The metadata API (HTTP <c>/v1.0/metadata</c> and gRPC GetMetadata/SetMetadata) over the live sidecar state.</summary>
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

    public MetadataService(string appId, int? appPort, string channelAddress, IReadOnlyList<ComponentResource> components, Func<IReadOnlyList<ActiveSubscription>> subscriptions)
    {
        _appId = appId;
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
            registered.Capabilities.Add(Capabilities(c.Type));
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

            response.Subscriptions.Add(subscription);
        }

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
                ["capabilities"] = new JsonArray(Capabilities(c.Type).Select(x => (JsonNode?)x).ToArray()),
            });
        }

        var subscriptions = new JsonArray();
        foreach (var s in _subscriptions())
        {
            subscriptions.Add(new JsonObject
            {
                ["pubsubname"] = s.Resource.PubsubName,
                ["topic"] = s.Resource.Topic,
                ["metadata"] = new JsonObject(s.Resource.Metadata.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
                ["rules"] = new JsonArray(Rules(s).Select(r => (JsonNode?)new JsonObject { ["match"] = r.Match, ["path"] = r.Path }).ToArray()),
                ["deadLetterTopic"] = s.Resource.DeadLetterTopic ?? "",
                ["type"] = s.Resource.Declarative ? "DECLARATIVE" : "PROGRAMMATIC",
            });
        }

        var result = new JsonObject
        {
            ["id"] = _appId,
            ["runtimeVersion"] = RuntimeVersion,
            ["enabledFeatures"] = new JsonArray(),
            ["actors"] = new JsonArray(),
            ["components"] = components,
            ["extended"] = new JsonObject(_extended.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
            ["subscriptions"] = subscriptions,
            ["httpEndpoints"] = new JsonArray(),
        };
        if (_appPort is { } port)
        {
            result["appConnectionProperties"] = new JsonObject { ["port"] = port, ["protocol"] = "http", ["channelAddress"] = _channelAddress };
        }

        return result;
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

    private static string[] Capabilities(string type) => type switch
    {
        "state.in-memory" => ["ETAG", "TRANSACTIONAL", "TTL"],
        "state.postgresql" => ["ETAG", "TRANSACTIONAL", "TTL"],
        _ => [],
    };
}
