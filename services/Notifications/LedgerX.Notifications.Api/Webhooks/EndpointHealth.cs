namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// When an endpoint that keeps failing is switched off (pure, so the rule is tested without a receiver): after
/// <see cref="WebhookOptions.DisableAfterConsecutiveDeadDeliveries"/> dead deliveries in a row, or once it has failed
/// without a single success for longer than <see cref="WebhookOptions.DisableAfterFailingHours"/>. A 2xx resets both,
/// so a flaky receiver that recovers is never disabled for its past.
/// </summary>
public static class EndpointHealth
{
    public sealed record State(int ConsecutiveDeadDeliveries, DateTimeOffset? FailingSince);

    public enum Outcome { Delivered, FailedAttempt, Dead }

    /// <summary>The endpoint's state after <paramref name="outcome"/>, and the reason to disable it (null: keep it).</summary>
    public static (State Next, string? DisableReason) After(State state, Outcome outcome, DateTimeOffset now, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        if (outcome == Outcome.Delivered)
        {
            return (new State(0, null), null);
        }
        var next = new State(
            state.ConsecutiveDeadDeliveries + (outcome == Outcome.Dead ? 1 : 0),
            state.FailingSince ?? now);
        if (next.ConsecutiveDeadDeliveries >= options.DisableAfterConsecutiveDeadDeliveries)
        {
            return (next, $"{next.ConsecutiveDeadDeliveries} deliveries in a row failed every attempt.");
        }
        if (now - next.FailingSince >= TimeSpan.FromHours(options.DisableAfterFailingHours))
        {
            return (next, $"No delivery succeeded since {next.FailingSince:O} (more than {options.DisableAfterFailingHours} h).");
        }
        return (next, null);
    }
}
