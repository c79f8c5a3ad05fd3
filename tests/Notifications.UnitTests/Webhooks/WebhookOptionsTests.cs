using LedgerX.Testing;
using LedgerX.Notifications.Api.Webhooks;

namespace LedgerX.Notifications.UnitTests.Webhooks;

public sealed class WebhookOptionsTests
{
    [Fact]
    public void EverySettingIsDocumentedWithItsDefault() =>
        ConfigurationDocs.AssertDocumented(typeof(WebhookOptions), WebhookOptions.Section);

    [Fact]
    public void TheDefaults_RefuseEveryPrivateNetworkAndPlainHttp()
    {
        var options = new WebhookOptions();

        options.AllowedPrivateNetworks.ShouldBeEmpty();
        options.AllowHttp.ShouldBeFalse();
        new WebhookOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void AnUnparsableRange_StopsTheStartNamingIt()
    {
        var result = new WebhookOptionsValidator().Validate(null, new WebhookOptions { AllowedPrivateNetworks = ["127.0.0.0/8", "localhost"] });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("'localhost'");
    }

    [Fact]
    public void ACapBelowTheBase_StopsTheStart() =>
        new WebhookOptionsValidator().Validate(null, new WebhookOptions { RetryBaseDelayMs = 1000, RetryMaxDelayMs = 500 }).Failed.ShouldBeTrue();

    [Fact]
    public void AllowedRanges_AreParsed() =>
        new WebhookOptions { AllowedPrivateNetworks = [" 127.0.0.0/8 ", "::1/128"] }.AllowedNetworks().Count.ShouldBe(2);
}
