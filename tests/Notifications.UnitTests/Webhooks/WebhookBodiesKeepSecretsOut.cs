using System.Text.Json;
using LedgerX.Notifications.Api;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Webhooks;

namespace LedgerX.Notifications.UnitTests.Webhooks;

/// <summary>A password reset or e-mail confirmation token travels only by e-mail to the address it was asked for. A webhook
/// endpoint is registered with an access token: one stolen for minutes must not yield, through a webhook, the reset token
/// that keeps the account for good.</summary>
public sealed class WebhookBodiesKeepSecretsOut
{
    [Theory]
    [InlineData(UserEventKinds.SecurityPasswordReset)]
    [InlineData(UserEventKinds.SecurityEmailConfirmation)]
    public void ASecurityEventsBody_HasNoToken_ButKeepsItsPublicData(string kind)
    {
        var e = new UserEvent(Guid.CreateVersion7(), "user-1", kind, DateTimeOffset.UnixEpoch, null, (Money?)null,
            new Dictionary<string, string>
            {
                [UserEventData.SecretToken] = "reset-token-123",
                [UserEventData.SecretPrefix + "other"] = "also-secret",
                [UserEventData.Email] = "a@example.com",
            });

        var body = WebhookDeliveries.Body(e);

        body.ShouldNotContain("reset-token-123");
        body.ShouldNotContain("also-secret");
        var data = JsonDocument.Parse(body).RootElement.GetProperty("data");
        data.TryGetProperty(UserEventData.SecretToken, out _).ShouldBeFalse();
        data.GetProperty(UserEventData.Email).GetString().ShouldBe("a@example.com");
    }
}
