using Dapr;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>transaction.posted.v1 feeds balances, spending, counterparties and daily volumes.</summary>
public static class TransactionPostedSubscription
{
    public static IEndpointRouteBuilder MapTransactionPostedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapPost("/events/transaction-posted", Handle)
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = Topics.TransactionPosted, DeadLetterTopic = Topics.DeadLetter })
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>200 for an applied or duplicate event (both are done); an exception answers 500 and Dapr retries.</summary>
    public static async Task<IResult> Handle(TransactionPosted e, ProjectionWriter writer, CancellationToken ct)
    {
        await writer.ApplyAsync(Topics.TransactionPosted, e, ct);
        return TypedResults.Ok();
    }
}
