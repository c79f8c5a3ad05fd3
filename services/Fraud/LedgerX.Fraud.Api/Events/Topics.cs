namespace LedgerX.Fraud.Api.Events;

/// <summary>Pub/sub topic names: those consumed (published by transaction-service) and the one fraud-service publishes
/// (schema in contracts/events/fraud.flagged.v1.schema.json).</summary>
public static class Topics
{
    public const string TransactionPosted = "transaction.posted.v1";
    public const string HoldCreated = "hold.created.v1";
    public const string AccountOpened = "account.opened.v1";
    public const string FraudFlagged = "fraud.flagged.v1";

    /// <summary>Where the sidecar puts messages fraud-service cannot read (DROP) or keeps failing on.</summary>
    public const string DeadLetters = "fraud-service.dead-letters";
}

/// <summary>Dapr names, equal to <c>metadata.name</c> in components/*.yaml, and app ids from dapr.yaml.</summary>
public static class Components
{
    public const string PubSub = "pubsub";
    public const string TransactionService = "transaction-service";

    /// <summary>This service: the source of its audit events.</summary>
    public const string FraudService = "fraud-service";
}
