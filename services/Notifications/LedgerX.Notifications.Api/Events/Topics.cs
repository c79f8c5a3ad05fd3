namespace LedgerX.Notifications.Api.Events;

/// <summary>Pub/sub topics notification-service consumes and publishes (schemas in contracts/events/).</summary>
public static class Topics
{
    // Consumed: the ledger (transaction-service).
    public const string AccountOpened = "account.opened.v1";
    public const string TransactionPosted = "transaction.posted.v1";
    public const string HoldCreated = "hold.created.v1";
    public const string HoldPosted = "hold.posted.v1";
    public const string HoldVoided = "hold.voided.v1";
    public const string HoldExpired = "hold.expired.v1";
    public const string ReversalRequested = "reversal.requested.v1";
    public const string ReversalCompleted = "reversal.completed.v1";
    public const string ReversalFailed = "reversal.failed.v1";
    public const string AccountFrozen = "account.frozen.v1";
    public const string AccountUnfrozen = "account.unfrozen.v1";

    // Consumed: fraud-service and auth-service.
    public const string FraudFlagged = "fraud.flagged.v1";
    public const string AuthAccountMessage = "auth.account_message.v1";
    public const string AuthUserContact = "auth.user_contact.v1";
    public const string AuditRecorded = "audit.recorded.v1";

    // Published.
    /// <summary>A notification (or webhook delivery) given up after its last attempt, with the reason.</summary>
    public const string NotificationDeadLetter = "notifications.dead_letter.v1";

    /// <summary>One user's live-feed item, on the broadcast component <see cref="Components.LivePubSub"/>.</summary>
    public const string LiveFeed = "live.feed.v1";

    /// <summary>Where the sidecar puts messages notification-service cannot read (DROP) or keeps failing on.</summary>
    public const string DeadLetters = "notification-service.dead-letters";
}

/// <summary>Dapr names, equal to <c>metadata.name</c> in components/*.yaml, and app ids from dapr.yaml.</summary>
public static class Components
{
    public const string PubSub = "pubsub";

    /// <summary>Broadcast pub/sub (a consumer group per replica): every replica sees every live-feed item.</summary>
    public const string LivePubSub = "live-pubsub";

    /// <summary>Output bindings of the delivery channels.</summary>
    public const string EmailBinding = "notify-email";
    public const string SmsBinding = "notify-sms";
    public const string PushBinding = "notify-push";

    /// <summary>This service: the source of its audit events.</summary>
    public const string NotificationService = "notification-service";
}
