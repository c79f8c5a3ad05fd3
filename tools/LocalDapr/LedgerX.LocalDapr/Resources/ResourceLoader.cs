using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LedgerX.LocalDapr.Resources;

/// <summary>
/// Reads Component, Subscription, Resiliency and Configuration resources the way daprd's standalone loader
/// does: every <c>*.yaml</c>/<c>*.yml</c> in the resources folders, several documents per file, filtered by
/// <c>scopes</c>. Unlike daprd (which logs and skips a bad file) an unusable file is a hard error, because a
/// silently missing component is the harder failure to diagnose locally.
/// </summary>
public static partial class ResourceLoader
{
    /// <summary>The component types this sidecar implements (docs/local-dapr.md lists them).</summary>
    public static readonly IReadOnlySet<string> SupportedComponentTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "state.in-memory", "state.postgresql",
        "pubsub.in-memory", "pubsub.redis",
        "secretstores.local.file", "secretstores.local.env",
        "bindings.localstorage", "bindings.cron", "bindings.smtp", "bindings.http",
    };

    private const int MaxResourceFileBytes = 1 << 20;

    [GeneratedRegex(@"^\s*consecutiveFailures\s*(>=|>)\s*(\d+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex TripExpression();

    public static ResourceSet Load(IEnumerable<string> resourcesPaths, string? configFile, string appId)
    {
        var components = new List<ComponentResource>();
        var subscriptions = new List<SubscriptionResource>();
        var resiliencies = new List<ResiliencyResource>();

        foreach (string folder in resourcesPaths)
        {
            if (!Directory.Exists(folder))
            {
                throw new ResourceException(folder, "resourcesPath", "directory does not exist");
            }

            foreach (string file in Directory.EnumerateFiles(folder)
                         .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                         .Order(StringComparer.Ordinal))
            {
                foreach (YamlNode doc in ReadDocuments(file))
                {
                    string kind = doc["kind"].RequiredString();
                    switch (kind)
                    {
                        case "Component":
                            components.Add(ParseComponent(doc));
                            break;
                        case "Subscription":
                            subscriptions.Add(ParseSubscription(doc));
                            break;
                        case "Resiliency":
                            resiliencies.Add(ParseResiliency(doc));
                            break;
                        case "Configuration":
                            // A Configuration found among resources is ignored by daprd too; only --config counts.
                            break;
                        default:
                            throw doc["kind"].Error($"unsupported kind '{kind}' (expected Component, Subscription, Resiliency or Configuration)");
                    }
                }
            }
        }

        var duplicate = components.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            var second = duplicate.Skip(1).First();
            throw new ResourceException(second.File, "metadata.name", $"component '{duplicate.Key}' is defined more than once (also in {duplicate.First().File})");
        }

        ConfigurationResource? configuration = configFile is null ? null : LoadConfiguration(configFile);

        return new ResourceSet(
            components.Where(c => InScope(c.Scopes, appId)).ToList(),
            subscriptions.Where(s => InScope(s.Scopes, appId)).ToList(),
            resiliencies.Where(r => InScope(r.Scopes, appId)).ToList(),
            configuration);
    }

    public static ConfigurationResource LoadConfiguration(string file)
    {
        if (!File.Exists(file))
        {
            throw new ResourceException(file, "configFilePath", "file does not exist");
        }

        foreach (YamlNode doc in ReadDocuments(file))
        {
            if (doc["kind"].OptionalString() != "Configuration")
            {
                continue;
            }

            var tracing = doc["spec"]["tracing"];
            string? rate = tracing["samplingRate"].OptionalString();
            double samplingRate = 0;
            if (rate is not null && !double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out samplingRate))
            {
                throw tracing["samplingRate"].Error($"'{rate}' is not a number");
            }

            return new ConfigurationResource(
                file,
                doc["metadata"]["name"].RequiredString(),
                samplingRate,
                tracing["zipkin"]["endpointAddress"].OptionalString(),
                tracing["stdout"].OptionalBool() ?? false,
                LoadAccessControl(doc["spec"]["accessControl"]));
        }

        throw new ResourceException(file, "kind", "no Configuration document in the file");
    }

    /// <summary>
    /// <c>spec.accessControl</c> (daprd's AccessControlSpec): field names as in the Configuration CRD. Whether the
    /// policy set is usable (trust domain, namespace, app id present) is decided by <see cref="Invocation.AccessControlList"/>,
    /// with daprd's own error message.
    /// </summary>
    private static AccessControlSpec? LoadAccessControl(YamlNode node)
    {
        if (!node.Exists)
        {
            return null;
        }

        var policies = node["policies"].Exists
            ? node["policies"].Items().Select(p => new AppPolicySpec(
                p["appId"].OptionalString() ?? "",
                p["defaultAction"].OptionalString(),
                p["trustDomain"].OptionalString(),
                p["namespace"].OptionalString(),
                p["operations"].Items().Select(o => new AppOperationSpec(
                    o["name"].RequiredString(),
                    o["httpVerb"].StringList(),
                    o["action"].RequiredString())).ToList())).ToList()
            : null;
        return new AccessControlSpec(node["defaultAction"].OptionalString(), node["trustDomain"].OptionalString(), policies);
    }

    internal static IEnumerable<YamlNode> ReadDocuments(string file)
    {
        var info = new FileInfo(file);
        if (info.Length > MaxResourceFileBytes)
        {
            throw new ResourceException(file, "(file)", $"larger than {MaxResourceFileBytes} bytes");
        }

        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new ResourceException(file, $"line {ex.Start.Line}, column {ex.Start.Column}", $"malformed YAML: {ex.Message}");
        }

        return stream.Documents
            .Where(d => d.RootNode is not YamlScalarNode { Value: null or "" })
            .Select(d => YamlNode.Root(file, d.RootNode))
            .ToList();
    }

    private static bool InScope(IReadOnlyList<string> scopes, string appId) => scopes.Count == 0 || scopes.Contains(appId, StringComparer.Ordinal);

    private static ComponentResource ParseComponent(YamlNode doc)
    {
        string name = doc["metadata"]["name"].RequiredString();
        var spec = doc["spec"];
        string type = spec["type"].RequiredString();
        if (!SupportedComponentTypes.Contains(type))
        {
            throw spec["type"].Error($"unknown component type '{type}' (supported: {string.Join(", ", SupportedComponentTypes.Order(StringComparer.Ordinal))})");
        }

        var metadata = new List<ComponentMetadataItem>();
        foreach (var item in spec["metadata"].Items())
        {
            string itemName = item["name"].RequiredString();
            var secretRef = item["secretKeyRef"];
            SecretKeyRef? secretKeyRef = secretRef.Exists
                ? new SecretKeyRef(secretRef["name"].RequiredString(), secretRef["key"].OptionalString())
                : null;
            string? envRef = item["envRef"].OptionalString();
            string? value = item["value"].Raw is YamlScalarNode s ? s.Value : null;
            if (value is null && secretKeyRef is null && envRef is null)
            {
                throw item.Error($"metadata item '{itemName}' needs one of value, secretKeyRef or envRef");
            }

            metadata.Add(new ComponentMetadataItem(itemName, value, secretKeyRef, envRef));
        }

        return new ComponentResource(
            doc.File,
            name,
            type,
            spec["version"].OptionalString() ?? "v1",
            metadata,
            doc["auth"]["secretStore"].OptionalString(),
            doc["scopes"].StringList());
    }

    private static SubscriptionResource ParseSubscription(YamlNode doc)
    {
        var spec = doc["spec"];
        var rules = new List<SubscriptionRule>();
        var routesNode = spec["routes"];
        foreach (var rule in routesNode["rules"].Items())
        {
            rules.Add(new SubscriptionRule(rule["match"].OptionalString() ?? "", Routes.Normalize(rule["path"].RequiredString())));
        }

        // v1alpha1 uses spec.route; v2alpha1 uses spec.routes.default (+ rules).
        string? defaultRoute = spec["route"].OptionalString() ?? routesNode["default"].OptionalString();
        if (defaultRoute is null && rules.Count == 0)
        {
            throw spec.Error("needs spec.route or spec.routes (default or rules)");
        }

        return new SubscriptionResource(
            doc["metadata"]["name"].RequiredString(),
            spec["pubsubname"].RequiredString(),
            spec["topic"].RequiredString(),
            new SubscriptionRoutes(defaultRoute is null ? null : Routes.Normalize(defaultRoute), rules),
            spec["deadLetterTopic"].OptionalString(),
            spec["metadata"].StringMap(),
            doc["scopes"].StringList(),
            Declarative: true,
            spec["bulkSubscribe"]["enabled"].OptionalBool() == true
                ? BulkSubscribeOptions.Create(spec["bulkSubscribe"]["maxMessagesCount"].OptionalInt(), spec["bulkSubscribe"]["maxAwaitDurationMs"].OptionalInt())
                : null);
    }

    private static ResiliencyResource ParseResiliency(YamlNode doc)
    {
        var policies = doc["spec"]["policies"];
        var timeouts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (name, node) in policies["timeouts"].Entries())
        {
            timeouts[name] = RequiredDuration(node);
        }

        var retries = new Dictionary<string, RetryPolicy>(StringComparer.Ordinal);
        foreach (var (name, node) in policies["retries"].Entries())
        {
            string policy = node["policy"].OptionalString() ?? "constant";
            if (policy is not ("constant" or "exponential"))
            {
                throw node["policy"].Error($"'{policy}' is not constant or exponential");
            }

            var codes = new List<int>();
            foreach (string part in (node["matching"]["httpStatusCodes"].OptionalString() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                codes.AddRange(ParseStatusRange(node["matching"]["httpStatusCodes"], part));
            }

            retries[name] = new RetryPolicy(
                name,
                policy == "exponential",
                OptionalDuration(node["duration"]) ?? TimeSpan.FromSeconds(policy == "exponential" ? 0.5 : 5),
                OptionalDuration(node["maxInterval"]) ?? TimeSpan.FromSeconds(60),
                node["maxRetries"].OptionalInt() ?? -1,
                codes);
        }

        var breakers = new Dictionary<string, CircuitBreakerPolicy>(StringComparer.Ordinal);
        foreach (var (name, node) in policies["circuitBreakers"].Entries())
        {
            string trip = node["trip"].RequiredString();
            var match = TripExpression().Match(trip);
            if (!match.Success)
            {
                throw node["trip"].Error($"'{trip}' is not supported; only 'consecutiveFailures > N' / '>= N' trips are");
            }

            int threshold = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) + (match.Groups[1].Value == ">" ? 1 : 0);
            breakers[name] = new CircuitBreakerPolicy(
                name,
                node["maxRequests"].OptionalInt() ?? 1,
                OptionalDuration(node["interval"]) ?? TimeSpan.Zero,
                OptionalDuration(node["timeout"]) ?? TimeSpan.FromSeconds(60),
                threshold);
        }

        var targets = doc["spec"]["targets"];
        var apps = new Dictionary<string, TargetPolicies>(StringComparer.Ordinal);
        foreach (var (name, node) in targets["apps"].Entries())
        {
            apps[name] = ParseTarget(node, timeouts, retries, breakers);
        }

        var inbound = new Dictionary<string, TargetPolicies>(StringComparer.Ordinal);
        var outbound = new Dictionary<string, TargetPolicies>(StringComparer.Ordinal);
        foreach (var (name, node) in targets["components"].Entries())
        {
            if (node["inbound"].Exists)
            {
                inbound[name] = ParseTarget(node["inbound"], timeouts, retries, breakers);
            }

            if (node["outbound"].Exists)
            {
                outbound[name] = ParseTarget(node["outbound"], timeouts, retries, breakers);
            }
        }

        return new ResiliencyResource(doc.File, doc["metadata"]["name"].RequiredString(), timeouts, retries, breakers, apps, inbound, outbound, doc["scopes"].StringList());
    }

    private static TargetPolicies ParseTarget(
        YamlNode node,
        Dictionary<string, TimeSpan> timeouts,
        Dictionary<string, RetryPolicy> retries,
        Dictionary<string, CircuitBreakerPolicy> breakers)
    {
        string? timeout = node["timeout"].OptionalString();
        string? retry = node["retry"].OptionalString();
        string? breaker = node["circuitBreaker"].OptionalString();

        // daprd also accepts an inline duration as a timeout target.
        if (timeout is not null && !timeouts.ContainsKey(timeout))
        {
            if (!GoDuration.TryParse(timeout, out TimeSpan inline))
            {
                throw node["timeout"].Error($"no timeout policy named '{timeout}'");
            }

            timeouts[timeout] = inline;
        }

        if (retry is not null && !retries.ContainsKey(retry))
        {
            throw node["retry"].Error($"no retry policy named '{retry}'");
        }

        if (breaker is not null && !breakers.ContainsKey(breaker))
        {
            throw node["circuitBreaker"].Error($"no circuit breaker policy named '{breaker}'");
        }

        return new TargetPolicies(timeout, retry, breaker);
    }

    private static IEnumerable<int> ParseStatusRange(YamlNode node, string part)
    {
        string[] bounds = part.Split('-');
        if (bounds.Length is < 1 or > 2
            || !int.TryParse(bounds[0], CultureInfo.InvariantCulture, out int from)
            || !int.TryParse(bounds[^1], CultureInfo.InvariantCulture, out int to)
            || from > to || from < 100 || to > 599)
        {
            throw node.Error($"'{part}' is not a status code or range");
        }

        return Enumerable.Range(from, to - from + 1);
    }

    private static TimeSpan RequiredDuration(YamlNode node)
    {
        string text = node.RequiredString();
        return GoDuration.TryParse(text, out TimeSpan value) ? value : throw node.Error($"'{text}' is not a duration");
    }

    private static TimeSpan? OptionalDuration(YamlNode node) => node.Exists ? RequiredDuration(node) : null;
}

/// <summary>Subscription paths: the SDK emits them without a leading slash, daprd's HTTP channel posts to "/" + path (pkg/channel/http/http_channel.go).</summary>
public static class Routes
{
    public static string Normalize(string path) => path.StartsWith('/') ? path : "/" + path;
}
