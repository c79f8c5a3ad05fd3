using System.Text.Json;
using Dapr;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>
/// How every subscription reads its event and answers the sidecar. The body is read by hand, not bound: a payload that
/// does not fit the record (a missing required field, bad JSON) or that the projections refuse (a journal entry with one
/// posting) will never get better, so it is answered <c>DROP</c> and the sidecar puts it on the dead-letter topic at
/// once, where a bound parameter's 400 would be retried (daprd retries every status but 2xx and 404) and hold the topic
/// for the resiliency policy's whole backoff. A failure that may pass (the database) throws: 500, and the sidecar retries.
/// </summary>
internal static class EventDelivery
{
    private static readonly IResult Success = TypedResults.Json(new { status = "SUCCESS" });
    private static readonly IResult Drop = TypedResults.Json(new { status = "DROP" });

    public static RouteHandlerBuilder MapEvent<TEvent>(this IEndpointRouteBuilder app, string route, string topic) where TEvent : ConsumedEvent =>
        app.MapPost(route, (HttpRequest request, ProjectionWriter writer, AnalyticsMetrics metrics, ILogger<ProjectionWriter> log, CancellationToken ct) =>
                HandleAsync<TEvent>(topic, request, writer, metrics, log, ct))
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = topic, DeadLetterTopic = Topics.DeadLetter })
            // The record is read by hand, so nothing binds it: say what the body is, as a bound parameter would, so the
            // consumer contract tests can still check the record against the publisher's schema.
            .Accepts<TEvent>("application/json")
            .ExcludeFromDescription();

    private static async Task<IResult> HandleAsync<TEvent>(
        string topic, HttpRequest request, ProjectionWriter writer, AnalyticsMetrics metrics, ILogger log, CancellationToken ct) where TEvent : ConsumedEvent
    {
        TEvent? e;
        try
        {
            e = await JsonSerializer.DeserializeAsync<TEvent>(request.Body, EventDecoder.Json, ct);
        }
        catch (JsonException ex)
        {
            return Dropped(topic, metrics, log, ex.Message);
        }
        if (e is null)
        {
            return Dropped(topic, metrics, log, "the body is JSON null");
        }
        try
        {
            await writer.ApplyAsync(topic, e, ct);
        }
        catch (ArgumentException ex)
        {
            // Projector.Project's guard, before anything is written: the event breaks the publisher's schema.
            return Dropped(topic, metrics, log, ex.Message);
        }
        return Success;
    }

    private static IResult Dropped(string topic, AnalyticsMetrics metrics, ILogger log, string reason)
    {
        metrics.EventDropped(topic);
        log.LogWarning("Unreadable {Topic} event dropped to {DeadLetterTopic}: {Reason}", topic, Topics.DeadLetter, reason);
        return Drop;
    }
}
