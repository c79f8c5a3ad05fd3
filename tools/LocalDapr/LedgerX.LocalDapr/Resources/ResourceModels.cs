namespace LedgerX.LocalDapr.Resources;

/// <summary>One <c>spec.metadata</c> entry as written: a literal, a <c>secretKeyRef</c> or an <c>envRef</c>.</summary>
public sealed record ComponentMetadataItem(string Name, string? Value, SecretKeyRef? SecretKeyRef, string? EnvRef);

public sealed record SecretKeyRef(string Name, string? Key);

/// <summary>A <c>kind: Component</c> resource before secret and environment references are resolved.</summary>
public sealed record ComponentResource(
    string File,
    string Name,
    string Type,
    string Version,
    IReadOnlyList<ComponentMetadataItem> Metadata,
    string? SecretStore,
    IReadOnlyList<string> Scopes)
{
    public string Category => Type[..Type.IndexOf('.', StringComparison.Ordinal)];
}

/// <summary>Routing as in the Subscription v2alpha1 resource and the <c>routes</c> form of /dapr/subscribe.</summary>
public sealed record SubscriptionRoutes(string? Default, IReadOnlyList<SubscriptionRule> Rules);

public sealed record SubscriptionRule(string Match, string Path);

/// <summary>
/// <c>bulkSubscribe</c>: deliver up to <see cref="MaxMessagesCount"/> messages per request, waiting at most
/// <see cref="MaxAwait"/> for a batch to fill (daprd's defaults for components without native bulk: 100 and 1 s).
/// </summary>
public sealed record BulkSubscribeOptions(int MaxMessagesCount, TimeSpan MaxAwait)
{
    public const int DefaultMaxMessagesCount = 100;
    public const int DefaultMaxAwaitMs = 1000;

    /// <summary>Bounds applied to whatever the app or YAML asks for.</summary>
    public static BulkSubscribeOptions Create(int? maxMessagesCount, int? maxAwaitDurationMs) => new(
        Math.Clamp(maxMessagesCount ?? DefaultMaxMessagesCount, 1, 1_000),
        TimeSpan.FromMilliseconds(Math.Clamp(maxAwaitDurationMs ?? DefaultMaxAwaitMs, 1, 60_000)));
}

/// <summary>A subscription, declared in YAML or returned by the app from <c>GET /dapr/subscribe</c>.</summary>
public sealed record SubscriptionResource(
    string Name,
    string PubsubName,
    string Topic,
    SubscriptionRoutes Routes,
    string? DeadLetterTopic,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<string> Scopes,
    bool Declarative,
    BulkSubscribeOptions? Bulk = null)
{
    public bool RawPayload => Metadata.TryGetValue("rawPayload", out string? raw) && string.Equals(raw, "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The part of a <c>kind: Configuration</c> resource the sidecar acts on.</summary>
public sealed record ConfigurationResource(string File, string Name, double SamplingRate, string? ZipkinEndpoint, bool StdoutTracing, AccessControlSpec? AccessControl = null);

/// <summary>
/// <c>spec.accessControl</c> as written (daprd's config.AccessControlSpec). <see cref="Policies"/> is null when the key
/// is absent, which daprd tells apart from an empty list when it picks the default action.
/// </summary>
public sealed record AccessControlSpec(string? DefaultAction, string? TrustDomain, IReadOnlyList<AppPolicySpec>? Policies);

/// <summary>One <c>policies[]</c> entry: what the caller <see cref="AppId"/> may invoke on this sidecar's app.</summary>
public sealed record AppPolicySpec(string AppId, string? DefaultAction, string? TrustDomain, string? Namespace, IReadOnlyList<AppOperationSpec> Operations);

/// <summary>One <c>operations[]</c> entry: a path (with <c>*</c>/<c>**</c>), the HTTP verbs it covers and allow/deny.</summary>
public sealed record AppOperationSpec(string Name, IReadOnlyList<string> HttpVerbs, string Action);

public sealed record RetryPolicy(string Name, bool Exponential, TimeSpan Duration, TimeSpan MaxInterval, int MaxRetries, IReadOnlyList<int> HttpStatusCodes);

public sealed record CircuitBreakerPolicy(string Name, int MaxRequests, TimeSpan Interval, TimeSpan Timeout, int ConsecutiveFailuresToTrip);

/// <summary>Policy names chosen for one target (app, or one direction of a component).</summary>
public sealed record TargetPolicies(string? Timeout, string? Retry, string? CircuitBreaker);

public sealed record ResiliencyResource(
    string File,
    string Name,
    IReadOnlyDictionary<string, TimeSpan> Timeouts,
    IReadOnlyDictionary<string, RetryPolicy> Retries,
    IReadOnlyDictionary<string, CircuitBreakerPolicy> CircuitBreakers,
    IReadOnlyDictionary<string, TargetPolicies> Apps,
    IReadOnlyDictionary<string, TargetPolicies> ComponentsInbound,
    IReadOnlyDictionary<string, TargetPolicies> ComponentsOutbound,
    IReadOnlyList<string> Scopes);

/// <summary>Everything found in the resources folders, already filtered by scope for one app id.</summary>
public sealed record ResourceSet(
    IReadOnlyList<ComponentResource> Components,
    IReadOnlyList<SubscriptionResource> Subscriptions,
    IReadOnlyList<ResiliencyResource> Resiliencies,
    ConfigurationResource? Configuration)
{
    public static ResourceSet Empty { get; } = new([], [], [], null);
}
