using Dapr;
using LedgerX.Fraud.Api.Access;
using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.Api.Infrastructure;

namespace LedgerX.Fraud.Api.Subscriptions;

/// <summary>account.opened.v1: who owns each account (<see cref="AccountOwners"/>), for the object-level checks.</summary>
public static class AccountOpenedSubscription
{
    public const string Route = "/events/account-opened";

    public static IEndpointRouteBuilder MapAccountOpenedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, HandleAsync)
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = Topics.AccountOpened, DeadLetterTopic = Topics.DeadLetters })
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> HandleAsync(
        HttpRequest request, AccountOwners owners, FraudMetrics metrics, ILogger<AccountOpened> logger, CancellationToken ct)
    {
        var opened = await Delivery.ReadAsync<AccountOpened>(request, ct);
        if (opened is not { IsComplete: true })
        {
            return Delivery.Malformed(Topics.AccountOpened, metrics, logger);
        }
        var outcome = await owners.RecordAsync(Delivery.EventId(request, opened.EventId!.Value), opened, ct);
        metrics.Consumed(Topics.AccountOpened, outcome == ConsumeOutcome.Duplicate ? "duplicate" : "processed");
        return Delivery.Success;
    }
}
