using System.Text;
using LedgerX.Notifications.Api.Webhooks;

namespace LedgerX.Notifications.UnitTests.Webhooks;

public sealed class WebhookSignatureTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"id\":\"1\"}");
    private static readonly DateTimeOffset SentAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Fact]
    public void Compute_MatchesAnIndependentHmacOfTimestampDotBody()
    {
        // python3: hmac.new(b'whsec_test', b'1700000000.{"id":"1"}', hashlib.sha256).hexdigest()
        WebhookSignature.Compute("whsec_test", 1_700_000_000, Body)
            .ShouldBe("11bf4466ea17c3df3fd743af0b435368e16b7a05eb8eced85e8c4670767bdec5");
    }

    [Fact]
    public void Header_CarriesTheTimestampAndOneV1PerSecret()
    {
        var header = WebhookSignature.Header(1_700_000_000, Body, ["whsec_new", "whsec_old"]);

        header.ShouldBe($"t=1700000000,v1={WebhookSignature.Compute("whsec_new", 1_700_000_000, Body)},v1={WebhookSignature.Compute("whsec_old", 1_700_000_000, Body)}");
    }

    [Fact]
    public void Header_WithoutASecret_IsRefused() =>
        Should.Throw<ArgumentException>(() => WebhookSignature.Header(1, Body, []));

    [Fact]
    public void Verify_AcceptsEitherSecretDuringARotation()
    {
        var header = WebhookSignature.Header(SentAt.ToUnixTimeSeconds(), Body, ["whsec_new", "whsec_old"]);

        WebhookSignature.Verify(header, Body, "whsec_new", SentAt, WebhookSignature.DefaultTolerance).ShouldBeTrue();
        WebhookSignature.Verify(header, Body, "whsec_old", SentAt, WebhookSignature.DefaultTolerance).ShouldBeTrue();
        WebhookSignature.Verify(header, Body, "whsec_other", SentAt, WebhookSignature.DefaultTolerance).ShouldBeFalse();
    }

    [Fact]
    public void Verify_RefusesATamperedBody()
    {
        var header = WebhookSignature.Header(SentAt.ToUnixTimeSeconds(), Body, ["whsec_a"]);

        WebhookSignature.Verify(header, Encoding.UTF8.GetBytes("{\"id\":\"2\"}"), "whsec_a", SentAt, WebhookSignature.DefaultTolerance).ShouldBeFalse();
    }

    [Fact]
    public void Verify_RefusesATimestampOutsideTheReplayWindow()
    {
        var header = WebhookSignature.Header(SentAt.ToUnixTimeSeconds(), Body, ["whsec_a"]);

        WebhookSignature.Verify(header, Body, "whsec_a", SentAt.AddMinutes(4), WebhookSignature.DefaultTolerance).ShouldBeTrue();
        WebhookSignature.Verify(header, Body, "whsec_a", SentAt.AddMinutes(6), WebhookSignature.DefaultTolerance).ShouldBeFalse();
        WebhookSignature.Verify(header, Body, "whsec_a", SentAt.AddMinutes(-6), WebhookSignature.DefaultTolerance).ShouldBeFalse();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1=abc")]
    [InlineData("t=1700000000")]
    [InlineData("t=abc,v1=abc")]
    public void Verify_RefusesAMalformedHeader(string? header) =>
        WebhookSignature.Verify(header, Body, "whsec_a", SentAt, WebhookSignature.DefaultTolerance).ShouldBeFalse();

    [Fact]
    public void NewSecret_IsPrefixedAndCarries32RandomBytes()
    {
        var a = WebhookSecret.New();
        var b = WebhookSecret.New();

        a.ShouldStartWith("whsec_");
        a.Length.ShouldBe("whsec_".Length + 43);
        a.ShouldNotBe(b);
        Convert.FromBase64String(a["whsec_".Length..].Replace('-', '+').Replace('_', '/') + "=").Length.ShouldBe(32);
    }
}
