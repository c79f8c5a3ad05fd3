using Dapr;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>The four hold events, counted per day. They share one record and one handler, so they share a file;
/// each still has its own route and topic.</summary>
public static class HoldSubscriptions
{
    public static IEndpointRouteBuilder MapHoldSubscriptions(this IEndpointRouteBuilder app)
    {
        foreach (var (route, topic) in new[]
                 {
                     ("/events/hold-created", Topics.HoldCreated), ("/events/hold-posted", Topics.HoldPosted),
                     ("/events/hold-voided", Topics.HoldVoided), ("/events/hold-expired", Topics.HoldExpired),
                 })
        {
            app.MapPost(route, (HoldChanged e, ProjectionWriter writer, CancellationToken ct) => Handle(topic, e, writer, ct))
                .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = topic, DeadLetterTopic = Topics.DeadLetter })
                .ExcludeFromDescription();
        }
        return app;
    }

    public static async Task<IResult> Handle(string topic, HoldChanged e, ProjectionWriter writer, CancellationToken ct)
    {
        await writer.ApplyAsync(topic, e, ct);
        return TypedResults.Ok();
    }
}
