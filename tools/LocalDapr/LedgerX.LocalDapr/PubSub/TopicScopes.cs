namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// Which topics one app may publish and subscribe to on one pub/sub component, from the component's metadata as daprd
/// reads it (pkg/runtime/pubsub/scopes and <c>IsOperationAllowed</c>):
/// <list type="bullet">
/// <item><c>publishingScopes</c> / <c>subscriptionScopes</c>: <c>app1=topic1,topic2;app2=topic3;app3=</c>. An app listed
/// may use only its topics (<c>app3=</c> lists the empty topic, so: none); an app not listed is not restricted.</item>
/// <item><c>allowedTopics</c>: <c>topic1,topic2</c>: no app may use any other topic.</item>
/// <item><c>protectedTopics</c>: topics that only an app scoped to them may use.</item>
/// </list>
/// Metadata names are matched case-insensitively, spaces are ignored, topics are compared exactly (no wildcards).
/// </summary>
public sealed class TopicScopes
{
    public const string PublishingScopesKey = "publishingScopes";
    public const string SubscriptionScopesKey = "subscriptionScopes";
    public const string AllowedTopicsKey = "allowedTopics";
    public const string ProtectedTopicsKey = "protectedTopics";

    private readonly IReadOnlyList<string> _publishing;
    private readonly IReadOnlyList<string> _subscribing;
    private readonly IReadOnlyList<string> _allowed;
    private readonly IReadOnlyList<string> _protected;

    private TopicScopes(IReadOnlyList<string> publishing, IReadOnlyList<string> subscribing, IReadOnlyList<string> allowed, IReadOnlyList<string> protectedTopics)
    {
        _publishing = publishing;
        _subscribing = subscribing;
        _allowed = allowed;
        _protected = protectedTopics;
    }

    /// <summary>No restriction: what a component without any of the four keys gets.</summary>
    public static TopicScopes None { get; } = new([], [], [], []);

    public static TopicScopes From(IReadOnlyDictionary<string, string> metadata, string appId) => new(
        ScopedTopics(Find(metadata, PublishingScopesKey), appId),
        ScopedTopics(Find(metadata, SubscriptionScopesKey), appId),
        Topics(Find(metadata, AllowedTopicsKey)),
        Topics(Find(metadata, ProtectedTopicsKey)));

    public bool MayPublish(string topic) => IsAllowed(topic, _publishing);

    public bool MaySubscribe(string topic) => IsAllowed(topic, _subscribing);

    private bool IsAllowed(string topic, IReadOnlyList<string> scoped)
    {
        if (_allowed.Count > 0 && !_allowed.Contains(topic, StringComparer.Ordinal))
        {
            return false;
        }

        // A protected topic needs a scope naming it; any other topic is free unless the app's scope lists topics.
        if (!_protected.Contains(topic, StringComparer.Ordinal) && scoped.Count == 0)
        {
            return true;
        }

        return scoped.Contains(topic, StringComparer.Ordinal);
    }

    private static string? Find(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.FirstOrDefault(m => m.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>daprd's GetScopedTopics: every <c>app=topics</c> entry for this app, topics in first-seen order.</summary>
    private static List<string> ScopedTopics(string? value, string appId)
    {
        var topics = new List<string>();
        if (string.IsNullOrEmpty(value))
        {
            return topics;
        }

        foreach (string entry in value.Replace(" ", "", StringComparison.Ordinal).Split(';'))
        {
            string[] parts = entry.Split('=');
            if (parts.Length < 2 || parts[0] != appId)
            {
                continue;
            }

            foreach (string topic in parts[1].Split(','))
            {
                if (!topics.Contains(topic, StringComparer.Ordinal))
                {
                    topics.Add(topic);
                }
            }
        }

        return topics;
    }

    private static List<string> Topics(string? value) =>
        string.IsNullOrEmpty(value) ? [] : value.Replace(" ", "", StringComparison.Ordinal).Split(',').Distinct(StringComparer.Ordinal).ToList();
}
