using LedgerX.Notifications.Api;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Live;

namespace LedgerX.Notifications.UnitTests.Live;

/// <summary>A password reset or e-mail confirmation token travels only by e-mail to the address it was asked for: the
/// live feed (stored, replayed and broadcast to every replica) carries the event without it.</summary>
public sealed class LiveFeedKeepsSecretsOut
{
    [Fact]
    public void APasswordResetItem_HasNoToken_ButKeepsItsPublicData()
    {
        var reset = new UserEvent(Guid.CreateVersion7(), "user-1", UserEventKinds.SecurityPasswordReset, DateTimeOffset.UnixEpoch, null,
            (Money?)null, new Dictionary<string, string> { [UserEventData.SecretToken] = "reset-token-123", [UserEventData.Email] = "a@example.com" });

        var item = LiveFeedItems.From(reset);

        item.Data.ShouldNotBeNull().Keys.ShouldNotContain(UserEventData.SecretToken);
        item.Data.Values.ShouldNotContain("reset-token-123");
        item.Data[UserEventData.Email].ShouldBe("a@example.com");
    }
}
