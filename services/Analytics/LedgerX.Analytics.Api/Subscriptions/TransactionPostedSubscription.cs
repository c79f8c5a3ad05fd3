using LedgerX.Analytics.Api.Events;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>transaction.posted.v1 feeds balances, spending, counterparties and daily volumes.</summary>
public static class TransactionPostedSubscription
{
    public static IEndpointRouteBuilder MapTransactionPostedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapEvent<TransactionPosted>("/events/transaction-posted", Topics.TransactionPosted);
        return app;
    }
}
