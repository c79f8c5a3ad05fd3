using LedgerX.Notifications.Api;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Preferences;
using LedgerX.Notifications.Api.Templates;

namespace LedgerX.Notifications.UnitTests.Templates;

/// <summary>Every kind renders on every channel in every language, money is formatted per language, HTML is encoded,
/// and the template's version is recorded.</summary>
public sealed class TemplatesRender
{
    private static readonly TemplateLibrary Library = new();

    public static TheoryData<string, string, string> EveryCombination()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var kind in UserEventKinds.All)
        {
            foreach (var channel in Channels.All)
            {
                foreach (var language in Languages.All)
                {
                    data.Add(kind, channel, language);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCombination))]
    public void EveryKindRendersOnEveryChannel(string kind, string channel, string language)
    {
        KindTitles.Has(kind).ShouldBeTrue();
        var e = new UserEvent(Guid.NewGuid(), "ann", kind, DateTimeOffset.UnixEpoch, Guid.NewGuid(), new Money(123456, "EUR"),
            new Dictionary<string, string> { [UserEventData.SecretToken] = "tok-1", [UserEventData.Email] = "a@example.test" });
        var message = Library.Render(channel, e, language);
        message.TemplateId.ShouldStartWith(channel + "/");
        message.TemplateId.ShouldContain(".v1.");
        message.Text.ShouldNotBeNullOrWhiteSpace();
        if (channel != Channels.Sms)
        {
            message.Subject.ShouldNotBeNullOrWhiteSpace();
        }
        (channel == Channels.Email).ShouldBe(message.Html is { Length: > 0 });
    }

    [Fact]
    public void MoneyIsWrittenAsTheLanguageWritesIt()
    {
        MoneyFormat.Format(new Money(123456, "EUR"), Languages.English).ShouldBe("EUR 1,234.56");
        MoneyFormat.Format(new Money(123456, "EUR"), Languages.German).ShouldBe("1.234,56 EUR");
        MoneyFormat.Format(new Money(5, "EUR"), Languages.English).ShouldBe("EUR 0.05");
        MoneyFormat.Format(new Money(1500, "JPY"), Languages.English).ShouldBe("JPY 1,500");
        MoneyFormat.Format(new Money(-1234567, "KWD"), Languages.German).ShouldBe("-1.234,567 KWD");
    }

    [Fact]
    public void AGermanCreditUsesItsOwnTemplateAndFormat()
    {
        var e = new UserEvent(Guid.NewGuid(), "ann", UserEventKinds.TransactionCredited, DateTimeOffset.UnixEpoch, Guid.NewGuid(), new Money(2500, "EUR"),
            new Dictionary<string, string> { [UserEventData.Description] = "Miete <März>" });
        var message = Library.Render(Channels.Email, e, Languages.German);
        message.TemplateId.ShouldBe("email/transaction.credited.v1.de");
        message.Subject.ShouldBe("Sie haben 25,00 EUR erhalten");
        message.Text.ShouldContain("Verwendungszweck: Miete <März>");
        message.Html!.ShouldContain("Miete &lt;M");
        message.Html!.ShouldNotContain("<März>");
    }

    [Fact]
    public void SecretsReachOnlyTheMandatoryEmails()
    {
        var data = new Dictionary<string, string> { [UserEventData.SecretToken] = "tok-secret" };
        var reset = new UserEvent(Guid.NewGuid(), "ann", UserEventKinds.SecurityPasswordReset, DateTimeOffset.UnixEpoch, null, null, data);
        Library.Render(Channels.Email, reset, Languages.English).Text.ShouldContain("tok-secret");
        TemplateLibrary.Fields(reset with { Kind = UserEventKinds.SecurityNewSignIn }, Languages.English).Values.ShouldNotContain("tok-secret");
    }
}
