using System.Globalization;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Delivery;

/// <summary>What a user turned off is not sent (the history says why); quiet hours defer money but never fraud.</summary>
[Collection(NotificationServiceCollection.Name)]
public sealed class PreferencesAreRespected(NotificationService service)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ADisabledKindAndAThresholdSendNothing()
    {
        var (payer, payee) = (Callers.NewSubject("payer"), Callers.NewSubject("payee"));
        var payeeMail = TestMailServers.UniqueAddress("payee");
        await service.PublishContactAsync(payee, payeeMail);
        await Preferences(payee, new { kinds = new Dictionary<string, bool> { ["transaction.debited"] = false }, minimumAmounts = new Dictionary<string, long> { ["EUR"] = 1000 } });
        var from = await service.OpenAccountAsync(payer);
        var to = await service.OpenAccountAsync(payee);

        var small = await service.TransferAsync(from, to, 999);
        var back = await service.TransferAsync(to, from, 5000);
        var large = await service.TransferAsync(from, to, 1000);

        (await service.WaitForNotificationAsync(payee, small, "email", "skipped"))["skipReason"]!.GetValue<string>().ShouldBe("below_threshold");
        (await service.WaitForNotificationAsync(payee, back, "email", "skipped"))["skipReason"]!.GetValue<string>().ShouldBe("kind_disabled");
        await service.WaitForNotificationAsync(payee, large, "email", "sent");
        var mail = (await TestMailServers.Maildir.WaitForAsync(payeeMail, Deadline));
        mail.Subject.ShouldBe("You received EUR 10.00");
        TestMailServers.Maildir.For(payeeMail).Count.ShouldBe(1);
    }

    [Fact]
    public async Task QuietHoursDeferMoneyButNotFraud()
    {
        var (payer, payee) = (Callers.NewSubject("payer"), Callers.NewSubject("payee"));
        var payeeMail = TestMailServers.UniqueAddress("payee");
        await service.PublishContactAsync(payee, payeeMail);
        // Quiet from an hour ago until two hours from now, in Tokyo's time (no daylight saving to straddle).
        var tokyo = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        string Local(TimeSpan offset) => tokyo.Add(offset).ToString("HH:mm", CultureInfo.InvariantCulture);
        await Preferences(payee, new { quietHours = new { start = Local(TimeSpan.FromHours(-1)), end = Local(TimeSpan.FromHours(2)), timeZone = "Asia/Tokyo" } });
        var from = await service.OpenAccountAsync(payer);
        var to = await service.OpenAccountAsync(payee);

        var credit = await service.TransferAsync(from, to, 1200);
        var pending = await service.WaitForNotificationAsync(payee, credit, "email", "pending");
        pending["notBefore"]!.GetValue<DateTimeOffset>().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(1.5));

        var fraud = await service.FraudFlaggedAsync(to, 1200);
        await service.WaitForNotificationAsync(payee, fraud, "email", "sent");
        var mail = await TestMailServers.Maildir.WaitForAsync(payeeMail, Deadline);
        mail.Subject.ShouldBe("LedgerX: Unusual activity on your account");
        TestMailServers.Maildir.For(payeeMail).Count.ShouldBe(1);
    }

    private async Task Preferences(string user, object body)
    {
        using var response = await service.App.Client.PutAsAsync("/api/v1/notifications/preferences", body, Callers.Customer(user));
        response.EnsureSuccessStatusCode();
    }
}
