using LedgerX.Analytics.Api.Events;

namespace LedgerX.Analytics.Api.Subscriptions;

/// <summary>The four hold events, counted per day. They share one record and one handler, so they share a file;
/// each still has its own route and topic.</summary>
public static class HoldSubscriptions
{
    public static IEndpointRouteBuilder MapHoldSubscriptions(this IEndpointRouteBuilder app)
    {
        foreach (var (route, topic) in new[]
                 {
                     ("/events/hold-created", Topics.HoldCreated), ("/events/hold-posted", Topics.HoldPosted),
                     ("/events/hold-voided", Topics.HoldVoided), ("/events/hold-expired", Topics.HoldExpired),
                 })
        {
            app.MapEvent<HoldChanged>(route, topic);
        }
        return app;
    }
}
