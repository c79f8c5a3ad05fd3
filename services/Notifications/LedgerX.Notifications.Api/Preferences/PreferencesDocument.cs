using System.Globalization;
using System.Text.RegularExpressions;
using LedgerX.Notifications.Api.Intake;

namespace LedgerX.Notifications.Api.Preferences;

/// <summary>Preferences as the API shows and takes them (and as they are stored). On a PUT every field may be left out:
/// a missing one takes its default, <see cref="Kinds"/> lists only what differs from "on".</summary>
public sealed record PreferencesDocument(
    ChannelSwitches? Channels,
    IReadOnlyDictionary<string, bool>? Kinds,
    IReadOnlyDictionary<string, long>? MinimumAmounts,
    QuietHoursDocument? QuietHours,
    string? Language,
    string? PhoneNumber,
    string? PushDeviceToken);

public sealed record ChannelSwitches(bool? Email, bool? Sms, bool? Push);

/// <summary>Local times as <c>HH:mm</c>, the zone as an IANA id (<c>Europe/Berlin</c>).</summary>
public sealed record QuietHoursDocument(string? Start, string? End, string? TimeZone);

/// <summary>Turns a document into <see cref="NotificationPreferences"/>, listing every problem by field (problem+json
/// names them), and back.</summary>
public static partial class PreferencesValidation
{
    public const int MaxPushTokenLength = 512;
    public const int MaxThresholds = 50;

    public static (NotificationPreferences? Preferences, Dictionary<string, string[]> Errors) Parse(PreferencesDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        var channels = new HashSet<string>();
        var switches = document.Channels ?? new ChannelSwitches(true, false, false);
        if (switches.Email ?? true)
        {
            channels.Add(Preferences.Channels.Email);
        }
        if (switches.Sms == true)
        {
            channels.Add(Preferences.Channels.Sms);
        }
        if (switches.Push == true)
        {
            channels.Add(Preferences.Channels.Push);
        }

        var disabled = new HashSet<string>();
        foreach (var (kind, on) in document.Kinds ?? new Dictionary<string, bool>())
        {
            if (!UserEventKinds.All.Contains(kind))
            {
                Error($"kinds.{kind}", $"Unknown event kind; known kinds: {string.Join(", ", UserEventKinds.All)}.");
            }
            else if (!on && NotificationPreferences.MandatoryKinds.Contains(kind))
            {
                Error($"kinds.{kind}", "This message is always sent (it carries a link the user asked for).");
            }
            else if (!on)
            {
                disabled.Add(kind);
            }
        }

        var thresholds = new Dictionary<string, long>();
        var amounts = document.MinimumAmounts ?? new Dictionary<string, long>();
        if (amounts.Count > MaxThresholds)
        {
            Error("minimumAmounts", $"At most {MaxThresholds} currencies.");
        }
        foreach (var (currency, amount) in amounts)
        {
            if (!CurrencyCode().IsMatch(currency))
            {
                Error($"minimumAmounts.{currency}", "The currency must be an ISO 4217 code (three capital letters).");
            }
            else if (amount < 0)
            {
                Error($"minimumAmounts.{currency}", "The minimum amount is in minor units and must not be negative.");
            }
            else
            {
                thresholds[currency] = amount;
            }
        }

        QuietHours? quiet = null;
        if (document.QuietHours is { } q)
        {
            var start = ParseTime(q.Start, "quietHours.start", Error);
            var end = ParseTime(q.End, "quietHours.end", Error);
            if (string.IsNullOrEmpty(q.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(q.TimeZone, out _))
            {
                Error("quietHours.timeZone", "The time zone must be an IANA id such as Europe/Berlin.");
            }
            else if (start is { } s && end is { } e)
            {
                if (s == e)
                {
                    Error("quietHours.end", "Quiet hours must not start and end at the same time.");
                }
                else
                {
                    quiet = new QuietHours(s, e, q.TimeZone);
                }
            }
        }

        var language = document.Language ?? Languages.English;
        if (!Languages.All.Contains(language))
        {
            Error("language", $"The language must be one of: {string.Join(", ", Languages.All)}.");
        }
        if (document.PhoneNumber is { } phone && !PhoneNumber().IsMatch(phone))
        {
            Error("phoneNumber", "The phone number must be in E.164 form, e.g. +4915112345678.");
        }
        if (document.PushDeviceToken is { } token && (token.Length is 0 or > MaxPushTokenLength || token.Any(char.IsControl)))
        {
            Error("pushDeviceToken", $"The push device token must be 1 to {MaxPushTokenLength} printable characters.");
        }
        if (channels.Contains(Preferences.Channels.Push) && document.PushDeviceToken is null)
        {
            Error("pushDeviceToken", "Push notifications need a device token.");
        }

        return errors.Count > 0
            ? (null, errors)
            : (new NotificationPreferences(channels, disabled, thresholds, quiet, language, document.PhoneNumber, document.PushDeviceToken), errors);
    }

    /// <summary>The document of <paramref name="preferences"/>, every kind listed with its switch.</summary>
    public static PreferencesDocument ToDocument(NotificationPreferences preferences)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        return new PreferencesDocument(
            new ChannelSwitches(preferences.Channels.Contains(Preferences.Channels.Email), preferences.Channels.Contains(Preferences.Channels.Sms),
                preferences.Channels.Contains(Preferences.Channels.Push)),
            UserEventKinds.All.ToDictionary(k => k, preferences.Wants),
            preferences.MinimumAmounts,
            preferences.QuietHours is { } q
                ? new QuietHoursDocument(q.Start.ToString("HH:mm", CultureInfo.InvariantCulture), q.End.ToString("HH:mm", CultureInfo.InvariantCulture), q.TimeZone)
                : null,
            preferences.Language, preferences.PhoneNumber, preferences.PushDeviceToken);
    }

    private static TimeOnly? ParseTime(string? value, string field, Action<string, string> error)
    {
        if (value is not null && TimeOnly.TryParseExact(value, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }
        error(field, "A local time as HH:mm, e.g. 22:00.");
        return null;
    }

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyCode();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex PhoneNumber();
}
