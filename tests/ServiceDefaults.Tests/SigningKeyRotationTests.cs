using System.Net;
using LedgerX.Testing;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>auth-service rotates keys, forgers invent kids, auth-service goes down: what the key cache does.</summary>
public sealed class SigningKeyRotationTests : IAsyncLifetime
{
    private readonly TestTokens _tokens = new();
    private TokenHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        // An hour, so the flood below stays inside one interval however slowly this machine makes its RSA keys.
        _host = await TokenHost.StartAsync(_tokens, new Dictionary<string, string?> { ["Auth:UnknownKeyRefreshMinIntervalSeconds"] = "3600" });
        await _host.WaitForKeysAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _tokens.Dispose();
    }

    [Fact]
    public async Task TokensOfANewKey_AreAcceptedFromTheFirstRequest_EvenManyAtOnce()
    {
        var fetchesBefore = _tokens.JwksFetches;
        var oldKeyToken = _tokens.Mint("alice");
        _tokens.Rotate();

        // Fifty concurrent first requests with the new kid: each is answered 200, and one fetch serves them all.
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await _host.WhoAmIAsync(_tokens.Mint($"user-{i}"));
            return response.StatusCode;
        }));

        answers.ShouldAllBe(status => status == HttpStatusCode.OK);
        _tokens.JwksFetches.ShouldBe(fetchesBefore + 1);
        using var old = await _host.WhoAmIAsync(oldKeyToken);
        old.StatusCode.ShouldBe(HttpStatusCode.OK, "the old key is still listed, so its tokens still count");
    }

    [Fact]
    public async Task TokensOfARetiredKey_AreRefusedOnceTheKeysAreFetchedAgain()
    {
        var retired = _tokens.SigningKey;
        var token = _tokens.Mint("alice");
        _tokens.Rotate();
        _tokens.Retire(retired);

        (await _host.Keys.RefreshAsync(TestContext.Current.CancellationToken)).ShouldBeTrue();

        using var response = await _host.WhoAmIAsync(token);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnUnknownKid_IsFetchedOnceThenRefused_AndAFloodOfThemFetchesNoMore()
    {
        var fetchesBefore = _tokens.JwksFetches;

        using var first = await _host.WhoAmIAsync(_tokens.Mint(key: TestTokens.NewKey()));
        var flood = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await _host.WhoAmIAsync(_tokens.Mint(key: TestTokens.NewKey()));
            return response.StatusCode;
        }));

        using var problem = await ProblemResponse.ReadAsync(first);
        problem.Status.ShouldBe(HttpStatusCode.Unauthorized, problem.Text);
        problem.Body.GetProperty("detail").GetString().ShouldBe("The access token is signed by a key auth-service does not publish.");
        flood.ShouldAllBe(status => status == HttpStatusCode.Unauthorized);
        _tokens.JwksFetches.ShouldBe(fetchesBefore + 1, "one fetch per Auth:UnknownKeyRefreshMinIntervalSeconds, not one per forged kid");
    }

    [Fact]
    public async Task AMalformedOrEmptyKeySet_IsNotBelieved_AndTheLastGoodKeysKeepWorking()
    {
        var token = _tokens.Mint("alice");

        _tokens.Malformed = true;
        var afterMalformed = await _host.Keys.RefreshAsync(TestContext.Current.CancellationToken);
        _tokens.Malformed = false;
        _tokens.Retire(_tokens.SigningKey);
        var afterEmpty = await _host.Keys.RefreshAsync(TestContext.Current.CancellationToken);

        afterMalformed.ShouldBeFalse();
        afterEmpty.ShouldBeFalse("a JWKS without keys would lock every caller out");
        using var response = await _host.WhoAmIAsync(token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WhileAuthServiceIsDown_TheLastGoodKeysKeepWorking()
    {
        _tokens.Unavailable = true;

        (await _host.Keys.RefreshAsync(TestContext.Current.CancellationToken)).ShouldBeFalse();

        using var response = await _host.WhoAmIAsync(_tokens.Mint("alice"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        _host.Keys.Keys.Count.ShouldBe(1);
    }
}
