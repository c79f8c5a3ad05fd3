using Dapr;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>account.opened.v1 records who owns each account, for the object-level checks of the account queries.</summary>
public static class AccountOpenedSubscription
{
    public static IEndpointRouteBuilder MapAccountOpenedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapPost("/events/account-opened", Handle)
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = Topics.AccountOpened, DeadLetterTopic = Topics.DeadLetter })
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>200 for an applied or duplicate event (both are done); an exception answers 500 and Dapr retries.</summary>
    public static async Task<IResult> Handle(AccountOpened e, ProjectionWriter writer, CancellationToken ct)
    {
        await writer.ApplyAsync(Topics.AccountOpened, e, ct);
        return TypedResults.Ok();
    }
}
