using System.Net;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Api;

/// <summary>A user's history is theirs: another customer naming them sees only their own, an operator may look.</summary>
[Collection(NotificationServiceCollection.Name)]
public sealed class HistoryIsOwnerChecked(NotificationService service)
{
    [Fact]
    public async Task OthersHistoryIsInvisibleToCustomersAndVisibleToOperators()
    {
        var (ann, bob) = (Callers.NewSubject("ann"), Callers.NewSubject("bob"));
        await service.PublishContactAsync(bob, TestMailServers.UniqueAddress("bob"));
        var from = await service.OpenAccountAsync(ann);
        var to = await service.OpenAccountAsync(bob);
        var transfer = await service.TransferAsync(from, to, 100);
        await service.WaitForNotificationAsync(bob, transfer, "email", "sent");

        // ann (the payer, no contact known) names bob and gets her own history: her skipped channels, not bob's sent mail.
        var asAnn = await NotificationService.EventuallyAsync(async () =>
            await service.HistoryAsync(Callers.Customer(ann), $"&userId={bob}") is { Count: 3 } rows ? rows : null, "ann's three skipped channels");
        asAnn.ShouldAllBe(n => n["status"]!.GetValue<string>() == "skipped");
        asAnn.ShouldAllBe(n => n["kind"]!.GetValue<string>() == "transaction.debited");
        var asOperator = await service.HistoryAsync(Callers.Operator, $"&userId={bob}");
        var mail = asOperator.Single(n => n["eventId"]!.GetValue<Guid>() == transfer && n["channel"]!.GetValue<string>() == "email");
        mail["status"]!.GetValue<string>().ShouldBe("sent");
        mail["destination"]!.GetValue<string>().ShouldBe("b***@ledgerx.test");
        (await service.App.Client.GetAsAsync("/api/v1/notifications", Callers.Nobody)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await service.App.Client.GetAsAsync("/api/v1/notifications", null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
