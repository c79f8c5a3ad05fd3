namespace LedgerX.Nlp.Api.Events;

/// <summary>
/// nlp.question_queued.v1 (contracts/events/nlp.question_queued.v1.schema.json): a question waits for a worker. Only
/// ids and the time: the text and the asker's token stay in nlp-service's database, never on the broker. Published once
/// per attempt (and again by the sweeper when a publish was lost), so consumers are idempotent on the question: the worker's
/// conditional claim acknowledges a duplicate without answering twice.
/// </summary>
public sealed record QuestionQueued(int SchemaVersion, Guid QuestionId, string UserId, DateTimeOffset AskedAt)
{
    public const int Version = 1;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsComplete => SchemaVersion == Version && QuestionId != Guid.Empty && !string.IsNullOrEmpty(UserId);
}

/// <summary>nlp.question_dead_letter.v1: a question given up after its last attempt (operators requeue it through the
/// API). <see cref="EventId"/> is UUIDv7, the CloudEvent id.</summary>
public sealed record QuestionDeadLettered(
    int SchemaVersion, Guid EventId, DateTimeOffset OccurredAt, Guid QuestionId, string UserId, int Attempts, string ErrorCode, string? ErrorMessage)
{
    public const int Version = 1;
}
