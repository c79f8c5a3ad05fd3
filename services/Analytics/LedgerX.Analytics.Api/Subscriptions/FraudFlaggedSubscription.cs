using LedgerX.Analytics.Api.Events;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>fraud.flagged.v1 (from fraud-service) feeds the alert counts.</summary>
public static class FraudFlaggedSubscription
{
    public static IEndpointRouteBuilder MapFraudFlaggedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapEvent<FraudFlagged>("/events/fraud-flagged", Topics.FraudFlagged);
        return app;
    }
}
