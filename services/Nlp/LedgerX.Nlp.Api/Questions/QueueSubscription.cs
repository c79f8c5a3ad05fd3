using System.Text.Json;
using Dapr;
using LedgerX.Nlp.Api.Events;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>
/// nlp.question_queued.v1 on <c>pubsub</c>: every replica subscribes under the app id's consumer group, so each message
/// reaches one replica. Acknowledged at once whatever the worker does with it (answering runs in the background and the
/// row, not the message, holds the state); an unreadable message is dropped to the dead-letter topic.
/// </summary>
public static partial class QueueSubscription
{
    public const string Route = "/events/nlp.question_queued.v1";

    private static readonly IResult Success = TypedResults.Json(new { status = "SUCCESS" });
    private static readonly IResult Drop = TypedResults.Json(new { status = "DROP" });
    private static readonly IResult Retry = TypedResults.Json(new { status = "RETRY" });
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapQueueSubscription(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, HandleAsync)
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = Topics.QuestionQueued, DeadLetterTopic = Topics.DeadLetters })
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> HandleAsync(HttpRequest request, QuestionWorker worker, ILogger<QuestionWorker> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(worker);
        QuestionQueued? queued;
        try
        {
            queued = await JsonSerializer.DeserializeAsync<QuestionQueued>(request.Body, Json, ct);
        }
        catch (JsonException)
        {
            queued = null;
        }
        if (queued is not { IsComplete: true })
        {
            LogMalformed(logger);
            return Drop;
        }
        try
        {
            // Busy: the row is marked unpublished and the sweeper publishes it again, possibly to a less busy replica.
            await worker.TryStartAsync(queued.QuestionId, ct);
            return Success;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database is unreachable: the broker redelivers.
            LogClaimFailed(logger, queued.QuestionId, e);
            return Retry;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed nlp.question_queued.v1 message dropped")]
    private static partial void LogMalformed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming question {QuestionId} failed; the broker redelivers")]
    private static partial void LogClaimFailed(ILogger logger, Guid questionId, Exception exception);
}
