namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// A loaded pub/sub component: its name, backend and the consumer id daprd would use (defaults to the app id).
/// <see cref="OwnsBroker"/> is false for a broker shared through an <see cref="InMemoryPubSubNetwork"/>.
/// </summary>
public sealed record PubSubComponent(string Name, string Type, IPubSubBroker Broker, string ConsumerId, bool OwnsBroker = true);
