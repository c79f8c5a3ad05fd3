using System.Net;
using LedgerX.Testing;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// The production path: the service asks its own (local Dapr) sidecar to invoke <c>.well-known/jwks</c> on
/// auth-service's app id, and auth-service's sidecar forwards it to the app.
/// </summary>
public sealed class JwksThroughSidecarTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KeysFetchedThroughTheSidecar_ValidateTokens_AndFollowARotation()
    {
        using var tokens = new TestTokens();
        await using var auth = await FakeAuthService.StartAsync(tokens, "sample-service", Ct);
        await using var host = await TokenHost.StartAsync(tokens, auth.Settings, keysThroughSidecar: true);
        await host.WaitForKeysAsync();

        using var first = await host.WhoAmIAsync(tokens.Mint("alice"));
        // Counted from here: on a loaded machine the start-up fetch can time out after reaching auth-service and be
        // retried, which is the timer's business, not what this test is about.
        int fetchesBeforeRotation = tokens.JwksFetches;
        tokens.Rotate();
        using var rotated = await host.WhoAmIAsync(tokens.Mint("bob"));

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        rotated.StatusCode.ShouldBe(HttpStatusCode.OK, "a new kid is fetched through the sidecar before the token is judged");
        tokens.JwksFetches.ShouldBe(fetchesBeforeRotation + 1, "the token of the new key caused exactly one fetch");
    }

    [Fact]
    public async Task AuthServiceGoingDown_LeavesTheLastGoodKeysAndReadinessAlone()
    {
        using var tokens = new TestTokens();
        await using var auth = await FakeAuthService.StartAsync(tokens, "sample-service", Ct);
        await using var host = await TokenHost.StartAsync(tokens, auth.Settings, keysThroughSidecar: true);
        await host.WaitForKeysAsync();

        await auth.StopAppAsync();

        (await host.Keys.RefreshAsync(Ct)).ShouldBeFalse();
        using var response = await host.WhoAmIAsync(tokens.Mint("alice"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var ready = await host.Client.GetAsync("/readyz", Ct);
        ready.StatusCode.ShouldBe(HttpStatusCode.OK, await ready.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task AServiceStartedBeforeAuthService_IsReady_AndAcceptsTokensOnceAuthServiceAnswers()
    {
        using var tokens = new TestTokens { Unavailable = true };
        await using var auth = await FakeAuthService.StartAsync(tokens, "sample-service", Ct);
        var settings = new Dictionary<string, string?>(auth.Settings)
        {
            ["Auth:KeyRetryIntervalSeconds"] = "1",
            ["Auth:UnknownKeyRefreshMinIntervalSeconds"] = "1",
        };
        await using var host = await TokenHost.StartAsync(tokens, settings, keysThroughSidecar: true);

        using var ready = await host.Client.GetAsync("/readyz", Ct);
        using var refused = await host.WhoAmIAsync(tokens.Mint("alice"));
        tokens.Unavailable = false;
        await host.WaitForKeysAsync();
        using var accepted = await host.WhoAmIAsync(tokens.Mint("alice"));

        ready.StatusCode.ShouldBe(HttpStatusCode.OK, await ready.Content.ReadAsStringAsync(Ct));
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
