using LedgerX.Notifications.Api.Intake;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>What an endpoint may subscribe to: the <see cref="UserEventKinds"/>, or <c>*</c> alone for every kind.</summary>
public static class WebhookEventTypes
{
    public const string All = "*";

    /// <summary>The type of the event a test-send posts; never a subscription choice, always sent when asked for.</summary>
    public const string Test = "webhook.test";

    public const int MaxPerEndpoint = 64;

    public static bool Wants(IReadOnlyCollection<string> subscribed, string kind)
    {
        ArgumentNullException.ThrowIfNull(subscribed);
        return subscribed.Contains(All) || subscribed.Contains(kind);
    }

    /// <summary>Null when <paramref name="types"/> is a valid subscription, else what is wrong with it.</summary>
    public static string? Problem(IReadOnlyList<string>? types)
    {
        if (types is null || types.Count == 0)
        {
            return "Name at least one event type, or \"*\" for all.";
        }
        if (types.Count > MaxPerEndpoint)
        {
            return $"At most {MaxPerEndpoint} event types.";
        }
        if (types.Contains(All) && types.Count > 1)
        {
            return "\"*\" already means every event type; send it alone.";
        }
        var unknown = types.Where(t => t != All && !UserEventKinds.All.Contains(t)).ToList();
        return unknown.Count == 0 ? null
            : $"Unknown event type(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", UserEventKinds.All)}.";
    }
}
