using LedgerX.Notifications.Api.Intake;

namespace LedgerX.Notifications.Api.Preferences;

/// <summary>A notification to create: on <see cref="Channel"/>, to <see cref="Destination"/> (address, number or device
/// token), not before <see cref="NotBefore"/> (the end of quiet hours, or now).</summary>
public sealed record PlannedNotification(string Channel, string Destination, DateTimeOffset NotBefore);

/// <summary>A channel not used for an event, and why (shown in the user's history).</summary>
public sealed record SkippedChannel(string Channel, string Reason);

public sealed record DeliveryPlan(IReadOnlyList<PlannedNotification> Send, IReadOnlyList<SkippedChannel> Skipped, string Language);

/// <summary>Why a channel was skipped: stable codes, shown in the history.</summary>
public static class SkipReasons
{
    public const string KindDisabled = "kind_disabled";
    public const string ChannelOff = "channel_off";
    public const string BelowThreshold = "below_threshold";
    public const string NoEmail = "no_email";
    public const string EmailUnconfirmed = "email_unconfirmed";
    public const string NoPhone = "no_phone";
    public const string NoDeviceToken = "no_device_token";
    public const string EmailOnly = "email_only";
}

/// <summary>
/// The pure decision of what to send for one <see cref="UserEvent"/>: (event, preferences, contact, now) → a
/// <see cref="DeliveryPlan"/>. No I/O and no clock of its own, so every rule is unit-tested with fixed inputs.
/// </summary>
public static class Decider
{
    public static DeliveryPlan Decide(UserEvent e, NotificationPreferences preferences, Contact? contact, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(preferences);

        // The link to confirm an address or reset a password goes to the address in the message, now, whatever the
        // preferences: the user just asked for it, and the address may be the one being confirmed.
        if (NotificationPreferences.MandatoryKinds.Contains(e.Kind))
        {
            var address = e.Data.GetValueOrDefault(UserEventData.Email);
            return address is { Length: > 0 }
                ? new DeliveryPlan([new PlannedNotification(Channels.Email, address, now)], SkipAllBut(Channels.Email, SkipReasons.EmailOnly), preferences.Language)
                : new DeliveryPlan([], SkipAllBut(null, SkipReasons.NoEmail), preferences.Language);
        }
        if (!preferences.Wants(e.Kind))
        {
            return new DeliveryPlan([], SkipAllBut(null, SkipReasons.KindDisabled), preferences.Language);
        }
        if (IsMoney(e.Kind) && e.Amount is { } amount
            && preferences.MinimumAmounts.TryGetValue(amount.Currency, out var minimum) && amount.Amount < minimum)
        {
            return new DeliveryPlan([], SkipAllBut(null, SkipReasons.BelowThreshold), preferences.Language);
        }

        var notBefore = IsUrgent(e.Kind) ? now : QuietHoursEnd(preferences.QuietHours, now) ?? now;
        var send = new List<PlannedNotification>();
        var skipped = new List<SkippedChannel>();
        foreach (var channel in Channels.All)
        {
            if (!preferences.Channels.Contains(channel))
            {
                skipped.Add(new SkippedChannel(channel, SkipReasons.ChannelOff));
                continue;
            }
            var (destination, reason) = channel switch
            {
                Channels.Email when contact?.Email is not { Length: > 0 } => (null, SkipReasons.NoEmail),
                Channels.Email when !contact!.EmailConfirmed => (null, SkipReasons.EmailUnconfirmed),
                Channels.Email => (contact!.Email, null),
                Channels.Sms => (preferences.PhoneNumber ?? contact?.PhoneNumber) is { Length: > 0 } phone ? (phone, null) : (null, SkipReasons.NoPhone),
                _ => preferences.PushDeviceToken is { Length: > 0 } token ? (token, null) : ((string?)null, SkipReasons.NoDeviceToken),
            };
            if (destination is not null)
            {
                send.Add(new PlannedNotification(channel, destination, notBefore));
            }
            else
            {
                skipped.Add(new SkippedChannel(channel, reason!));
            }
        }
        return new DeliveryPlan(send, skipped, preferences.Language);
    }

    /// <summary>Money movements: what amount thresholds apply to. Security and fraud events are never below a threshold.</summary>
    public static bool IsMoney(string kind) =>
        kind.StartsWith("transaction.", StringComparison.Ordinal) || kind.StartsWith("hold.", StringComparison.Ordinal)
        || kind.StartsWith("reversal.", StringComparison.Ordinal);

    /// <summary>Never deferred by quiet hours: security events, fraud flags and a freeze (what fraud's policy does).</summary>
    public static bool IsUrgent(string kind) =>
        UserEventKinds.IsSecurity(kind) || kind is UserEventKinds.FraudFlagged or UserEventKinds.AccountFrozen;

    /// <summary>The end of the quiet hours <paramref name="now"/> falls in, or null when it falls in none.</summary>
    public static DateTimeOffset? QuietHoursEnd(QuietHours? quiet, DateTimeOffset now)
    {
        if (quiet is null || !TimeZoneInfo.TryFindSystemTimeZoneById(quiet.TimeZone, out var zone))
        {
            return null;
        }
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var inside = quiet.Start < quiet.End ? time >= quiet.Start && time < quiet.End : time >= quiet.Start || time < quiet.End;
        if (!inside)
        {
            return null;
        }
        var endDate = time < quiet.End ? local.Date : local.Date.AddDays(1);
        var endLocal = endDate + quiet.End.ToTimeSpan();
        // A local time skipped by a daylight-saving change has no offset of its own; the zone's standard one places it just after.
        var end = new DateTimeOffset(endLocal, zone.IsInvalidTime(endLocal) ? zone.BaseUtcOffset : zone.GetUtcOffset(endLocal));
        return end.ToUniversalTime();
    }

    private static List<SkippedChannel> SkipAllBut(string? kept, string reason) =>
        [.. Channels.All.Where(c => c != kept).Select(c => new SkippedChannel(c, reason))];
}
