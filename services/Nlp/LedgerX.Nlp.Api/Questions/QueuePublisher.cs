using Dapr;
using Dapr.Client;
using LedgerX.Nlp.Api.Events;
using LedgerX.Nlp.Api.Questions.Persistence;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>
/// Publishes a stored question's nlp.question_queued.v1 on <c>pubsub</c> and records that the broker took it. A failed
/// publish is logged and left to the sweeper (the row keeps published_at null): the asker already has the 202.
/// </summary>
public sealed partial class QueuePublisher(DaprClient dapr, TimeProvider time, ILogger<QueuePublisher> logger)
{
    /// <summary>True when the broker took the event.</summary>
    public async Task<bool> PublishAsync(QuestionRow question, QuestionStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            await dapr.PublishEventAsync(Components.PubSub, Topics.QuestionQueued,
                new QuestionQueued(QuestionQueued.Version, question.Id, question.UserId, question.AskedAt),
                new Dictionary<string, string> { ["cloudevent.type"] = Topics.QuestionQueued }, ct);
        }
        catch (Exception e) when (e is DaprException or HttpRequestException)
        {
            LogPublishFailed(logger, question.Id, e);
            return false;
        }
        await store.MarkPublishedAsync(question.Id, ct);
        return true;
    }

    /// <summary>nlp.question_dead_letter.v1 for a question given up; a lost one is only a missed alert (the row is the record).</summary>
    public async Task PublishDeadLetterAsync(QuestionRow question, string code, string message, int attempts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(question);
        var eventId = Guid.CreateVersion7();
        try
        {
            await dapr.PublishEventAsync(Components.PubSub, Topics.QuestionDeadLetter,
                new QuestionDeadLettered(QuestionDeadLettered.Version, eventId, time.GetUtcNow(), question.Id, question.UserId, attempts, code, message),
                new Dictionary<string, string> { ["cloudevent.id"] = eventId.ToString(), ["cloudevent.type"] = Topics.QuestionDeadLetter }, ct);
        }
        catch (Exception e) when (e is DaprException or HttpRequestException)
        {
            LogPublishFailed(logger, question.Id, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing question {QuestionId}'s event failed; the sweeper retries")]
    private static partial void LogPublishFailed(ILogger logger, Guid questionId, Exception exception);
}
