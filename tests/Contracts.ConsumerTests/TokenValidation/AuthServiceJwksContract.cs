using LedgerX.Pact;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LedgerX.Contracts.ConsumerTests.TokenValidation;

/// <summary>
/// Every service that validates access tokens → auth-service: the shared token validation's JWKS fetch
/// (<see cref="AuthServiceJwks"/>, the class the services use, over Dapr's invocation client there and over the Pact mock
/// server here). One pact per service that runs it, named by its Dapr app id, so can-i-deploy answers for each service
/// on its own. Declared is only what the key cache relies on: a <c>keys</c> array of RSA signing keys with a
/// <c>kid</c>, <c>n</c> and <c>e</c>, which <see cref="SigningKeyCache"/> turns into keys it validates tokens with.
/// </summary>
public sealed class AuthServiceJwksContract
{
    // A fixed example (a real 2048-bit modulus) keeps the pact file byte-for-byte the same on every run.
    private const string ExampleKid = "0193a5c4-7f00-7000-8000-00000000k001";
    private const string ExampleModulus =
        "Z2VzLeKieKdg4gSTxg7pKedIF5tLpwP77W2qw3PoMJzFddntt1nfQ8QGVFpz6v-AmaR-wH3dCu35ypMxFtK-n3Wgfwq2RQguZ7AkrVa2pV3CfWfsJ3eHQ4xmzWxysl9" +
        "GupUZY9cigzSH4Ly2GZOrCAgVgqkSlmIkCipiUwa-7GBG-7AhqBx2B3idgdPlEvvZTGfr5jYuw8c5u8Q-kivuOatIAnLn_Lg63iY5f7MDHJwjzsuKA1_BIIHZq2njccwrAq6" +
        "SA8KRDyoOzysutfIgs0yGF15iBBHzSdliELR4qZYIp8bcUsQG1eCYJbuXUDKL3N8ROuBJn1BGXVksNn9v2w";
    private const string Base64Url = "^[A-Za-z0-9_-]+$";

    public static TheoryData<string> Consumers => [.. Pacts.OnAuthService.Select(pair => pair.Consumer)];

    [Theory]
    [MemberData(nameof(Consumers))]
    public async Task FetchingTheSigningKeys_GivesKeysTheCacheValidatesWith(string consumer)
    {
        var pact = Pacts.New(Pacts.OnAuthService.Single(pair => pair.Consumer == consumer));
        pact.UponReceiving("a request for auth-service's token signing keys")
            .Given("auth-service has a signing key")
            .WithRequest("GET", "/.well-known/jwks")
            .WillRespond()
            .WithStatus(200)
            .WithJsonBody(new
            {
                keys = Match.MinType(new
                {
                    kty = Match.Equality("RSA"),
                    use = Match.Equality("sig"),
                    kid = Match.Type(ExampleKid),
                    n = Match.Regex(ExampleModulus, Base64Url),
                    e = Match.Regex("AQAB", Base64Url),
                }, 1),
            });

        await pact.VerifyAsync(async uri =>
        {
            using var http = new HttpClient { BaseAddress = uri };
            var options = Options.Create(new AuthOptions { Issuer = "http://127.0.0.1:5130/" });
            using var cache = new SigningKeyCache(new AuthServiceJwks(http, TimeSpan.FromSeconds(10)), options, TimeProvider.System,
                NullLogger<SigningKeyCache>.Instance);

            (await cache.RefreshAsync(CancellationToken.None)).ShouldBeTrue("the JWKS must be usable as signing keys");

            cache.Keys.Select(k => k.KeyId).ShouldBe([ExampleKid]);
        });
    }
}
