namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// A loaded pub/sub component: its name, backend and the consumer id daprd would use (defaults to the app id).
/// <see cref="OwnsBroker"/> is false for a broker shared through an <see cref="InMemoryPubSubNetwork"/>. <see cref="Scopes"/>
/// are this app's topic scopes from the component's metadata.
/// </summary>
public sealed record PubSubComponent(string Name, string Type, IPubSubBroker Broker, string ConsumerId, bool OwnsBroker = true)
{
    public TopicScopes Scopes { get; init; } = TopicScopes.None;
}
