namespace LedgerX.Transactions.Api.Events;

/// <summary>Pub/sub topic names. Each equals the event's type in the ledger's event log and has a JSON Schema
/// at contracts/events/&lt;topic&gt;.schema.json.</summary>
public static class Topics
{
    public const string AccountOpened = "account.opened.v1";
    public const string AccountFrozen = "account.frozen.v1";
    public const string AccountUnfrozen = "account.unfrozen.v1";
    public const string AccountClosed = "account.closed.v1";
    public const string TransactionPosted = "transaction.posted.v1";
    public const string HoldCreated = "hold.created.v1";
    public const string HoldPosted = "hold.posted.v1";
    public const string HoldVoided = "hold.voided.v1";
    public const string HoldExpired = "hold.expired.v1";
    public const string ReversalRequested = "reversal.requested.v1";
    public const string ReversalCompleted = "reversal.completed.v1";
    public const string ReversalFailed = "reversal.failed.v1";
}

/// <summary>Dapr component names, equal to <c>metadata.name</c> in components/*.yaml.</summary>
public static class Components
{
    public const string PubSub = "pubsub";
}
