using Dapr;
using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.Api.Infrastructure;

namespace LedgerX.Fraud.Api.Subscriptions;

/// <summary>transaction.posted.v1: every posted journal entry is scored for each customer account it touches.</summary>
public static class TransactionPostedSubscription
{
    public const string Route = "/events/transaction-posted";

    public static IEndpointRouteBuilder MapTransactionPostedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, HandleAsync)
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = Topics.TransactionPosted, DeadLetterTopic = Topics.DeadLetters })
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> HandleAsync(
        HttpRequest request, AlertRecorder recorder, FraudMetrics metrics, ILogger<TransactionPosted> logger, CancellationToken ct)
    {
        var posted = await Delivery.ReadAsync<TransactionPosted>(request, ct);
        if (posted is not { IsComplete: true })
        {
            return Delivery.Malformed(Topics.TransactionPosted, metrics, logger);
        }
        return await Delivery.ConsumeAsync(request, Topics.TransactionPosted, posted.EventId!.Value, MovementExtraction.From(posted), recorder, metrics, logger, ct);
    }
}
