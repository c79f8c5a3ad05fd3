using LedgerX.Analytics.Api.Events;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>account.opened.v1 records who owns each account, for the object-level checks of the account queries.</summary>
public static class AccountOpenedSubscription
{
    public static IEndpointRouteBuilder MapAccountOpenedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapEvent<AccountOpened>("/events/account-opened", Topics.AccountOpened);
        return app;
    }
}
