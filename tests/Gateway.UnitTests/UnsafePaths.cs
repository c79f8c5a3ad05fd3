using LedgerX.Gateway.Api.Security;

namespace LedgerX.Gateway.UnitTests;

public sealed class UnsafePaths
{
    [Theory]
    [InlineData("/api/v1/accounts/../admin")]
    [InlineData("/api/v1/accounts/..")]
    [InlineData("/api/v1/./accounts")]
    [InlineData("/api/v1/accounts/.")]
    [InlineData("/api/v1/accounts/x%2Fadmin")]
    [InlineData("/api/v1/accounts/x%2fadmin")]
    [InlineData("/api/v1/accounts/x%5Cadmin")]
    [InlineData("/api/v1/accounts/%2E%2E/admin")]
    [InlineData("/api/v1/accounts/x%252Fadmin")]
    [InlineData("/api/v1/accounts\\..\\admin")]
    [InlineData("http://evil.example/api/v1/accounts")]
    [InlineData("*")]
    public void AreRefused(string target) => UnsafePathGuard.IsUnsafe(target).ShouldBeTrue();

    [Theory]
    [InlineData("/api/v1/accounts")]
    [InlineData("/api/v1/accounts/0190b7a2-7a53-7c4e-9f0e-2a1b3c4d5e6f/history?cursor=a%2Fb")]
    [InlineData("/api/v1/ledger/events?after=0&q=..%2F..")]
    [InlineData("/account/login?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dcli")]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/api/v1/accounts/a.b..c")]
    public void PlainPathsPass(string target) => UnsafePathGuard.IsUnsafe(target).ShouldBeFalse();
}
