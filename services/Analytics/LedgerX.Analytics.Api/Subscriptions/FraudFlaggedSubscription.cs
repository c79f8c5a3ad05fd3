using Dapr;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>fraud.flagged.v1 (from fraud-service) feeds the alert counts.</summary>
public static class FraudFlaggedSubscription
{
    public static IEndpointRouteBuilder MapFraudFlaggedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapPost("/events/fraud-flagged", Handle)
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = Topics.FraudFlagged, DeadLetterTopic = Topics.DeadLetter })
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> Handle(FraudFlagged e, ProjectionWriter writer, CancellationToken ct)
    {
        await writer.ApplyAsync(Topics.FraudFlagged, e, ct);
        return TypedResults.Ok();
    }
}
