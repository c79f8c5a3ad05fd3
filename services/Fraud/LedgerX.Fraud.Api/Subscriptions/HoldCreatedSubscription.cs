using Dapr;
using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.Api.Infrastructure;

namespace LedgerX.Fraud.Api.Subscriptions;

/// <summary>hold.created.v1: a hold is an outflow announced before it settles, so it is scored when it is created (and
/// its later hold_post entry is not scored again on the payer's side). A reversal saga's hold is acknowledged unscored
/// (<see cref="MovementExtraction.From(HoldCreated)"/>).</summary>
public static class HoldCreatedSubscription
{
    public const string Route = "/events/hold-created";

    public static IEndpointRouteBuilder MapHoldCreatedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, HandleAsync)
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = Topics.HoldCreated, DeadLetterTopic = Topics.DeadLetters })
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> HandleAsync(
        HttpRequest request, AlertRecorder recorder, FraudMetrics metrics, ILogger<HoldCreated> logger, CancellationToken ct)
    {
        var hold = await Delivery.ReadAsync<HoldCreated>(request, ct);
        if (hold is not { IsComplete: true })
        {
            return Delivery.Malformed(Topics.HoldCreated, metrics, logger);
        }
        return await Delivery.ConsumeAsync(request, Topics.HoldCreated, hold.EventId!.Value, MovementExtraction.From(hold), recorder, metrics, logger, ct);
    }
}
