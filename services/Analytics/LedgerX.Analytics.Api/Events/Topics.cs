namespace LedgerX.Analytics.Api.Events;

/// <summary>The topics analytics-service reads. Each equals the event's type; the publisher owns its JSON Schema in
/// contracts/events/&lt;topic&gt;.schema.json.</summary>
public static class Topics
{
    public const string TransactionPosted = "transaction.posted.v1";
    public const string AccountOpened = "account.opened.v1";
    public const string HoldCreated = "hold.created.v1";
    public const string HoldPosted = "hold.posted.v1";
    public const string HoldVoided = "hold.voided.v1";
    public const string HoldExpired = "hold.expired.v1";
    public const string ReversalRequested = "reversal.requested.v1";
    public const string ReversalCompleted = "reversal.completed.v1";
    public const string ReversalFailed = "reversal.failed.v1";
    public const string FraudFlagged = "fraud.flagged.v1";

    /// <summary>Where deliveries that keep failing end, instead of blocking the subscription.</summary>
    public const string DeadLetter = "analytics.deadletter.v1";
}

/// <summary>Dapr component names, equal to <c>metadata.name</c> in components/*.yaml.</summary>
public static class Components
{
    public const string PubSub = "pubsub";
    public const string StateStore = "statestore";
}

/// <summary>Dapr app ids this service calls, and its own.</summary>
public static class AppIds
{
    public const string TransactionService = "transaction-service";

    /// <summary>This service: the source of its audit events.</summary>
    public const string AnalyticsService = "analytics-service";
}
