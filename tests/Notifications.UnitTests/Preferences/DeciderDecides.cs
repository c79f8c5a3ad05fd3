using LedgerX.Notifications.Api;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Preferences;

namespace LedgerX.Notifications.UnitTests.Preferences;

/// <summary>The decider's rules, one by one, with fixed inputs: (event, preferences, contact, now) → plan.</summary>
public sealed class DeciderDecides
{
    private static readonly DateTimeOffset Noon = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly Contact Confirmed = new("ann@example.test", true, "+4915100000001");

    private static UserEvent Event(string kind, long? amount = 2500, string currency = "EUR", IReadOnlyDictionary<string, string>? data = null) =>
        new(Guid.NewGuid(), "ann", kind, Noon, Guid.NewGuid(), amount is { } a ? new Money(a, currency) : null, data ?? new Dictionary<string, string>());

    private static NotificationPreferences With(
        IEnumerable<string>? channels = null, IEnumerable<string>? disabled = null, Dictionary<string, long>? minimums = null, QuietHours? quiet = null,
        string? phone = null, string? token = null) =>
        NotificationPreferences.Default with
        {
            Channels = new HashSet<string>(channels ?? [Channels.Email]),
            DisabledKinds = new HashSet<string>(disabled ?? []),
            MinimumAmounts = minimums ?? [],
            QuietHours = quiet,
            PhoneNumber = phone,
            PushDeviceToken = token,
        };

    [Fact]
    public void DefaultsSendMoneyByEmailNowToTheConfirmedAddress()
    {
        var plan = Decider.Decide(Event(UserEventKinds.TransactionCredited), NotificationPreferences.Default, Confirmed, Noon);
        plan.Send.ShouldBe([new PlannedNotification(Channels.Email, "ann@example.test", Noon)]);
        plan.Skipped.ShouldBe([new SkippedChannel(Channels.Sms, SkipReasons.ChannelOff), new SkippedChannel(Channels.Push, SkipReasons.ChannelOff)]);
        plan.Language.ShouldBe(Languages.English);
    }

    [Fact]
    public void ADisabledKindSendsNothing()
    {
        var plan = Decider.Decide(Event(UserEventKinds.HoldCreated), With(disabled: [UserEventKinds.HoldCreated]), Confirmed, Noon);
        plan.Send.ShouldBeEmpty();
        plan.Skipped.ShouldAllBe(s => s.Reason == SkipReasons.KindDisabled);
        plan.Skipped.Count.ShouldBe(Channels.All.Count);
    }

    [Theory]
    [InlineData(999, false)]
    [InlineData(1000, true)]
    [InlineData(5000, true)]
    public void MoneyBelowTheCurrencysThresholdIsSkipped(long amount, bool sent)
    {
        var plan = Decider.Decide(Event(UserEventKinds.TransactionDebited, amount), With(minimums: new() { ["EUR"] = 1000 }), Confirmed, Noon);
        plan.Send.Count.ShouldBe(sent ? 1 : 0);
        if (!sent)
        {
            plan.Skipped.ShouldAllBe(s => s.Reason == SkipReasons.BelowThreshold);
        }
    }

    [Fact]
    public void AThresholdInAnotherCurrencyDoesNotApply() =>
        Decider.Decide(Event(UserEventKinds.TransactionDebited, 1, "USD"), With(minimums: new() { ["EUR"] = 1000 }), Confirmed, Noon).Send.Count.ShouldBe(1);

    [Fact]
    public void FraudFlagsIgnoreThresholds() =>
        Decider.Decide(Event(UserEventKinds.FraudFlagged, 1), With(minimums: new() { ["EUR"] = 1000 }), Confirmed, Noon).Send.Count.ShouldBe(1);

    [Fact]
    public void AnUnconfirmedOrMissingEmailIsNotUsed()
    {
        Decider.Decide(Event(UserEventKinds.TransactionCredited), NotificationPreferences.Default, Confirmed with { EmailConfirmed = false }, Noon)
            .Skipped.ShouldContain(new SkippedChannel(Channels.Email, SkipReasons.EmailUnconfirmed));
        Decider.Decide(Event(UserEventKinds.TransactionCredited), NotificationPreferences.Default, null, Noon)
            .Skipped.ShouldContain(new SkippedChannel(Channels.Email, SkipReasons.NoEmail));
    }

    [Fact]
    public void SmsGoesToThePreferredNumberElseTheContactsAndPushNeedsAToken()
    {
        var all = new[] { Channels.Email, Channels.Sms, Channels.Push };
        var plan = Decider.Decide(Event(UserEventKinds.TransactionCredited), With(channels: all, phone: "+4915199999999", token: "device-1"), Confirmed, Noon);
        plan.Send.Select(s => (s.Channel, s.Destination)).ShouldBe(
            [(Channels.Email, "ann@example.test"), (Channels.Sms, "+4915199999999"), (Channels.Push, "device-1")]);

        var fromContact = Decider.Decide(Event(UserEventKinds.TransactionCredited), With(channels: all), Confirmed, Noon);
        fromContact.Send.ShouldContain(new PlannedNotification(Channels.Sms, "+4915100000001", Noon));
        fromContact.Skipped.ShouldBe([new SkippedChannel(Channels.Push, SkipReasons.NoDeviceToken)]);

        Decider.Decide(Event(UserEventKinds.TransactionCredited), With(channels: all), Confirmed with { PhoneNumber = null }, Noon)
            .Skipped.ShouldContain(new SkippedChannel(Channels.Sms, SkipReasons.NoPhone));
    }

    [Fact]
    public void QuietHoursDeferMoneyToTheirEndInTheUsersZone()
    {
        // 12:00 UTC is 14:00 in Berlin (summer time); quiet 13:00-15:30 Berlin ends at 13:30 UTC.
        var quiet = new QuietHours(new TimeOnly(13, 0), new TimeOnly(15, 30), "Europe/Berlin");
        var plan = Decider.Decide(Event(UserEventKinds.TransactionCredited), With(quiet: quiet), Confirmed, Noon);
        plan.Send.Single().NotBefore.ShouldBe(new DateTimeOffset(2026, 6, 15, 13, 30, 0, TimeSpan.Zero));
    }

    [Fact]
    public void QuietHoursWrapMidnight()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "America/New_York");
        // 03:00 UTC is 23:00 in New York (EDT, UTC-4): quiet until 07:00 local the next day = 11:00 UTC.
        var lateEvening = new DateTimeOffset(2026, 6, 16, 3, 0, 0, TimeSpan.Zero);
        Decider.QuietHoursEnd(quiet, lateEvening).ShouldBe(new DateTimeOffset(2026, 6, 16, 11, 0, 0, TimeSpan.Zero));
        // 09:00 UTC is 05:00 local: quiet until 07:00 the same day.
        Decider.QuietHoursEnd(quiet, new DateTimeOffset(2026, 6, 16, 9, 0, 0, TimeSpan.Zero)).ShouldBe(new DateTimeOffset(2026, 6, 16, 11, 0, 0, TimeSpan.Zero));
        // 12:00 UTC is 08:00 local: not quiet.
        Decider.QuietHoursEnd(quiet, Noon).ShouldBeNull();
    }

    [Theory]
    [InlineData(UserEventKinds.FraudFlagged)]
    [InlineData(UserEventKinds.AccountFrozen)]
    [InlineData(UserEventKinds.SecurityNewSignIn)]
    [InlineData(UserEventKinds.SecurityPasswordChanged)]
    public void SecurityAndFraudAreNeverDeferred(string kind)
    {
        var quiet = new QuietHours(new TimeOnly(0, 0), new TimeOnly(23, 59), "UTC");
        Decider.Decide(Event(kind), With(quiet: quiet), Confirmed, Noon).Send.Single().NotBefore.ShouldBe(Noon);
    }

    [Fact]
    public void NonUrgentKindsAreDeferredByTheSameQuietHours()
    {
        var quiet = new QuietHours(new TimeOnly(0, 0), new TimeOnly(23, 59), "UTC");
        Decider.Decide(Event(UserEventKinds.HoldCreated), With(quiet: quiet), Confirmed, Noon).Send.Single().NotBefore.ShouldBe(Noon.Date.AddHours(23).AddMinutes(59));
    }

    [Theory]
    [InlineData(UserEventKinds.SecurityPasswordReset)]
    [InlineData(UserEventKinds.SecurityEmailConfirmation)]
    public void LinksTheUserAskedForGoByEmailToTheMessagesAddressWhateverThePreferences(string kind)
    {
        var everythingOff = With(channels: [Channels.Sms], quiet: new QuietHours(new TimeOnly(0, 0), new TimeOnly(23, 59), "UTC"));
        var e = Event(kind, null, data: new Dictionary<string, string> { [UserEventData.Email] = "new@example.test", [UserEventData.SecretToken] = "t" });
        var plan = Decider.Decide(e, everythingOff, Confirmed with { EmailConfirmed = false }, Noon);
        plan.Send.ShouldBe([new PlannedNotification(Channels.Email, "new@example.test", Noon)]);
        plan.Skipped.ShouldAllBe(s => s.Reason == SkipReasons.EmailOnly);
    }

    [Fact]
    public void TheLanguageIsTheUsers() =>
        Decider.Decide(Event(UserEventKinds.TransactionCredited), NotificationPreferences.Default with { Language = Languages.German }, Confirmed, Noon)
            .Language.ShouldBe(Languages.German);
}
