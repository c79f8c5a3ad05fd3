namespace LedgerX.LocalDapr.State;

/// <summary>A loaded state store with its key-prefix strategy (metadata <c>keyPrefix</c>, RT pkg/components/state/state_config.go).</summary>
public sealed record StateComponent(string Name, string Type, IStateStore Store, string KeyPrefixMode)
{
    public string Prefix(string appId, string key) => KeyPrefixMode.ToLowerInvariant() switch
    {
        "none" => key,
        "appid" => string.IsNullOrEmpty(appId) ? key : $"{appId}||{key}",
        "name" => $"{Name}||{key}",
        // Self-hosted daprd has no namespace, so "namespace" degrades to the app id.
        "namespace" => string.IsNullOrEmpty(appId) ? key : $"{appId}||{key}",
        _ => $"{KeyPrefixMode}||{key}",
    };
}
