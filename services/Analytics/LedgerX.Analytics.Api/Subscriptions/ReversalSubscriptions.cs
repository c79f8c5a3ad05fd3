using LedgerX.Analytics.Api.Events;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>The reversal saga's events (published by transaction-service), counted per day.</summary>
public static class ReversalSubscriptions
{
    public static IEndpointRouteBuilder MapReversalSubscriptions(this IEndpointRouteBuilder app)
    {
        foreach (var (route, topic) in new[]
                 {
                     ("/events/reversal-requested", Topics.ReversalRequested), ("/events/reversal-completed", Topics.ReversalCompleted),
                     ("/events/reversal-failed", Topics.ReversalFailed),
                 })
        {
            app.MapEvent<ReversalChanged>(route, topic);
        }
        return app;
    }
}
