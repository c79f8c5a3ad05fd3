using Dapr;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>The reversal saga's events (published by transaction-service), counted per day.</summary>
public static class ReversalSubscriptions
{
    public static IEndpointRouteBuilder MapReversalSubscriptions(this IEndpointRouteBuilder app)
    {
        foreach (var (route, topic) in new[]
                 {
                     ("/events/reversal-requested", Topics.ReversalRequested), ("/events/reversal-completed", Topics.ReversalCompleted),
                     ("/events/reversal-failed", Topics.ReversalFailed),
                 })
        {
            app.MapPost(route, (ReversalChanged e, ProjectionWriter writer, CancellationToken ct) => Handle(topic, e, writer, ct))
                .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = topic, DeadLetterTopic = Topics.DeadLetter })
                .ExcludeFromDescription();
        }
        return app;
    }

    public static async Task<IResult> Handle(string topic, ReversalChanged e, ProjectionWriter writer, CancellationToken ct)
    {
        await writer.ApplyAsync(topic, e, ct);
        return TypedResults.Ok();
    }
}
