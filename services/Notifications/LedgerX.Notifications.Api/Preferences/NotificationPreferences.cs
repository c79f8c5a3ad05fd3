using LedgerX.Notifications.Api.Intake;

namespace LedgerX.Notifications.Api.Preferences;

/// <summary>The delivery channels of the core (webhooks are the webhooks module's, the live feed always streams).</summary>
public static class Channels
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string Push = "push";

    public static readonly IReadOnlyList<string> All = [Email, Sms, Push];
}

public static class Languages
{
    public const string English = "en";
    public const string German = "de";

    public static readonly IReadOnlyList<string> All = [English, German];
}

/// <summary>Quiet hours: from <see cref="Start"/> to <see cref="End"/> local time in <see cref="TimeZone"/> (IANA), wrapping
/// midnight when the end is earlier than the start.</summary>
public sealed record QuietHours(TimeOnly Start, TimeOnly End, string TimeZone);

/// <summary>
/// What a user wants to hear and how. A user who never set any gets <see cref="Default"/>: e-mail on, every kind on, no
/// thresholds, no quiet hours, English.
/// </summary>
public sealed record NotificationPreferences(
    IReadOnlySet<string> Channels,
    IReadOnlySet<string> DisabledKinds,
    IReadOnlyDictionary<string, long> MinimumAmounts,
    QuietHours? QuietHours,
    string Language,
    string? PhoneNumber,
    string? PushDeviceToken)
{
    public static readonly NotificationPreferences Default = new(
        new HashSet<string> { Preferences.Channels.Email }, new HashSet<string>(), new Dictionary<string, long>(), null, Languages.English, null, null);

    /// <summary>Kinds delivered whatever the preferences say (the link to confirm an address or reset a password).</summary>
    public static readonly IReadOnlySet<string> MandatoryKinds =
        new HashSet<string> { UserEventKinds.SecurityEmailConfirmation, UserEventKinds.SecurityPasswordReset };

    public bool Wants(string kind) => !DisabledKinds.Contains(kind);
}
