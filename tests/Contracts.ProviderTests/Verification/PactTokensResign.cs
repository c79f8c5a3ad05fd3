using System.Text;
using System.Text.Json.Nodes;
using LedgerX.Contracts.ProviderTests.Infrastructure;
using LedgerX.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// The provider host's stand-in for a consumer's token (<see cref="PactTokens"/>): a pact's example token becomes one the
/// service trusts with exactly the example's principal and permissions, and nothing else is touched, so a request without
/// a token, or with a token of any other issuer, meets the service's own checks.
/// </summary>
public sealed class PactTokensResign
{
    private static string Example(string issuer, string subject, string scope) =>
        $"{Encode(new JsonObject { ["alg"] = "none", ["typ"] = "at+jwt" })}." +
        $"{Encode(new JsonObject { ["iss"] = issuer, ["aud"] = "ledgerx-api", ["sub"] = subject, ["client_id"] = subject, ["scope"] = scope })}.";

    private static string Encode(JsonObject json) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static JsonObject Claims(string token) =>
        JsonNode.Parse(Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(token.Split('.')[1])))!.AsObject();

    [Fact]
    public void APactsExampleToken_BecomesATrustedOne_WithTheSameClaims()
    {
        var resigned = PactTokens.Resigned($"Bearer {Example(PactTokens.ExampleIssuer, "fraud-service", "accounts:freeze ledger:read")}");

        resigned.ShouldNotBeNull();
        var claims = Claims(resigned);
        ((string?)claims["iss"]).ShouldBe(TestTokens.Issuer);
        ((string?)claims["sub"]).ShouldBe("fraud-service");
        ((string?)claims["client_id"]).ShouldBe("fraud-service");
        ((string?)claims["scope"]).ShouldBe("accounts:freeze ledger:read");
        resigned.Split('.')[2].ShouldNotBeEmpty("it is signed");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Bearer a.%%%.c")]
    public void NoTokenOrNoJwt_IsLeftAlone(string authorization) => PactTokens.Resigned(authorization).ShouldBeNull();

    [Fact]
    public void AnotherIssuersToken_IsLeftAlone()
    {
        PactTokens.Resigned($"Bearer {Example("https://evil.example/", "admin", "users:admin")}").ShouldBeNull();
        PactTokens.Resigned($"Bearer {TestTokens.Shared.Mint("alice")}").ShouldBeNull();
    }
}
