using Dapr;
using System.Globalization;
using Dapr.Client;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Events;

namespace LedgerX.Nlp.Api.Streaming;

/// <summary>The kinds of ephemeral live items an answer produces (docs/api/nlp.md).</summary>
public static class LiveKinds
{
    public const string AnswerStarted = "nlp.answer_started";
    public const string AnswerDelta = "nlp.answer_delta";
    public const string AnswerCompleted = "nlp.answer_completed";
}

/// <summary>
/// live.feed.v1 as nlp-service publishes it (contracts/events/live.feed.v1.schema.json, owned by notification-service):
/// always ephemeral (no id, no seq: not stored, not replayed), for one user, with string data only.
/// </summary>
public sealed record EphemeralLiveItem(
    int SchemaVersion, string UserId, string Kind, DateTimeOffset OccurredAt, IReadOnlyDictionary<string, string> Data,
    bool Ephemeral, DateTimeOffset ExpiresAt)
{
    public const int Version = 1;
}

/// <summary>
/// Publishes an answer's live items on <c>live-pubsub</c> for the asker only. A lost item is not retried: the stream is
/// a convenience and the stored answer (GET) is the record, so a broker hiccup never fails a question.
/// </summary>
public sealed partial class LiveAnswerPublisher(DaprClient dapr, TimeProvider time, ILogger<LiveAnswerPublisher> logger)
{
    public TimeSpan Ttl { get; init; } = TimeSpan.FromMinutes(5);

    public Task StartedAsync(Guid questionId, string userId, CancellationToken ct) =>
        PublishAsync(userId, LiveKinds.AnswerStarted, new Dictionary<string, string> { ["questionId"] = questionId.ToString() }, ct);

    public Task DeltaAsync(Guid questionId, string userId, int index, string text, CancellationToken ct) =>
        PublishAsync(userId, LiveKinds.AnswerDelta, new Dictionary<string, string>
        {
            ["questionId"] = questionId.ToString(), ["index"] = index.ToString(CultureInfo.InvariantCulture), ["text"] = text,
        }, ct);

    public Task CompletedAsync(Guid questionId, string userId, string status, CancellationToken ct) =>
        PublishAsync(userId, LiveKinds.AnswerCompleted, new Dictionary<string, string> { ["questionId"] = questionId.ToString(), ["status"] = status }, ct);

    private async Task PublishAsync(string userId, string kind, IReadOnlyDictionary<string, string> data, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        try
        {
            await dapr.PublishEventAsync(Components.LivePubSub, Topics.LiveFeed,
                new EphemeralLiveItem(EphemeralLiveItem.Version, userId, kind, now, data, true, now + Ttl), ct);
        }
        catch (Exception e) when (e is DaprException or HttpRequestException)
        {
            LogLost(logger, kind, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live item {Kind} was not published")]
    private static partial void LogLost(ILogger logger, string kind, Exception exception);
}

/// <summary>
/// One question's <see cref="IAnswerStream"/>: each piece becomes an <c>nlp.answer_delta</c> with its index. A piece
/// written after the question was cancelled (or timed out) throws instead: that is where a streaming answer stops.
/// </summary>
public sealed class LiveAnswerStream(LiveAnswerPublisher publisher, Guid questionId, string userId) : IAnswerStream
{
    private int _next;

    /// <summary>Pieces written so far.</summary>
    public int Written => _next;

    public async ValueTask WriteAsync(string text, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(text);
        ct.ThrowIfCancellationRequested();
        if (text.Length == 0)
        {
            return;
        }
        var index = Interlocked.Increment(ref _next) - 1;
        await publisher.DeltaAsync(questionId, userId, index, text, ct);
    }
}
