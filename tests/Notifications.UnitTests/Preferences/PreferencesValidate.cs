using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Preferences;

namespace LedgerX.Notifications.UnitTests.Preferences;

/// <summary>Every problem of a preferences document is reported with the field at fault.</summary>
public sealed class PreferencesValidate
{
    private static readonly PreferencesDocument Empty = new(null, null, null, null, null, null, null);

    [Fact]
    public void AnEmptyDocumentIsTheDefaults()
    {
        var (preferences, errors) = PreferencesValidation.Parse(Empty);
        errors.ShouldBeEmpty();
        preferences.ShouldNotBeNull();
        preferences.Channels.ShouldBe([Channels.Email]);
        preferences.Language.ShouldBe(Languages.English);
        UserEventKinds.All.ShouldAllBe(k => preferences.Wants(k));
    }

    [Fact]
    public void EveryProblemIsNamedByItsField()
    {
        var (preferences, errors) = PreferencesValidation.Parse(new PreferencesDocument(
            new ChannelSwitches(true, true, true),
            new Dictionary<string, bool> { ["nope.kind"] = false, [UserEventKinds.SecurityPasswordReset] = false },
            new Dictionary<string, long> { ["eur"] = 5, ["USD"] = -1 },
            new QuietHoursDocument("25:00", "07:00", "Mars/Olympus"),
            "fr", "0151 123", null));
        preferences.ShouldBeNull();
        errors.Keys.ShouldBe(
            ["kinds.nope.kind", "kinds.security.password_reset", "minimumAmounts.eur", "minimumAmounts.USD", "quietHours.start", "quietHours.timeZone",
             "language", "phoneNumber", "pushDeviceToken"], ignoreOrder: true);
    }

    [Fact]
    public void ADocumentRoundTrips()
    {
        var document = new PreferencesDocument(new ChannelSwitches(true, true, false), new Dictionary<string, bool> { [UserEventKinds.HoldCreated] = false },
            new Dictionary<string, long> { ["EUR"] = 1000 }, new QuietHoursDocument("22:00", "07:00", "Europe/Berlin"), "de", "+4915112345678", null);
        var (preferences, _) = PreferencesValidation.Parse(document);
        var back = PreferencesValidation.ToDocument(preferences!);
        back.Kinds![UserEventKinds.HoldCreated].ShouldBeFalse();
        back.Kinds[UserEventKinds.HoldPosted].ShouldBeTrue();
        back.QuietHours.ShouldBe(document.QuietHours);
        PreferencesValidation.Parse(back).Preferences.ShouldBeEquivalentTo(preferences);
    }
}
