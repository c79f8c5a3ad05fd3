namespace LedgerX.LocalDapr.PubSub;

/// <summary>A loaded pub/sub component: its name, backend and the consumer id daprd would use (defaults to the app id).</summary>
public sealed record PubSubComponent(string Name, string Type, IPubSubBroker Broker, string ConsumerId);
