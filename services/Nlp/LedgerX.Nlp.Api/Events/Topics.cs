namespace LedgerX.Nlp.Api.Events;

/// <summary>Pub/sub topics nlp-service publishes and consumes (schemas in contracts/events/).</summary>
public static class Topics
{
    /// <summary>A question waiting for a worker: published by the API (and the sweeper), consumed by every replica in one
    /// consumer group, so replicas compete. Carries no text and no token.</summary>
    public const string QuestionQueued = "nlp.question_queued.v1";

    /// <summary>A question given up after its last attempt, with the reason (for operators and alerting).</summary>
    public const string QuestionDeadLetter = "nlp.question_dead_letter.v1";

    /// <summary>One user's ephemeral live-feed item (an answer streamed), on <see cref="Components.LivePubSub"/>.</summary>
    public const string LiveFeed = "live.feed.v1";

    /// <summary>Where the sidecar puts queue messages nlp-service cannot read (DROP) or keeps failing on.</summary>
    public const string DeadLetters = "nlp-service.dead-letters";
}

/// <summary>Dapr names, equal to <c>metadata.name</c> in components/*.yaml, and app ids from dapr.yaml.</summary>
public static class Components
{
    public const string PubSub = "pubsub";

    /// <summary>notification-service's broadcast pub/sub for live-feed items.</summary>
    public const string LivePubSub = "live-pubsub";

    /// <summary>The secret store the model path reads its endpoint from (secret <c>nlp-model</c>).</summary>
    public const string SecretStore = "secretstore";

    /// <summary>This service's app id (the consumer group of its queue, the source of its events).</summary>
    public const string NlpService = "nlp-service";

    // The services the tools call by service invocation.
    public const string TransactionService = "transaction-service";
    public const string FraudService = "fraud-service";
    public const string AnalyticsService = "analytics-service";
}
