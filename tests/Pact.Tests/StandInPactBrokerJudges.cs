using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Pact.Testing;

namespace LedgerX.Pact.Tests;

/// <summary>
/// The stand-in broker's own rules (tests/Shared/LedgerX.Pact.Testing), asked over HTTP as its clients ask: which pacts
/// a provider must verify, and what can-i-deploy answers. The real clients against it: <see cref="PactVerifierWithABroker"/>
/// (pact_ffi), tests/Cli.Tests/Contracts (the Pact CLI), tests/Contracts.ProviderTests' BrokerModeEndToEnd (both).
/// </summary>
public sealed class StandInPactBrokerJudges : IAsyncLifetime
{
    private const string Provider = "ledger";
    private StandInPactBroker _broker = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _broker = await StandInPactBroker.StartAsync(TestContext.Current.CancellationToken);
        _http = new HttpClient { BaseAddress = new Uri(_broker.BaseUrl) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _broker.DisposeAsync();
    }

    private static string Pact(string consumer, int revision = 1) =>
        new JsonObject
        {
            ["consumer"] = new JsonObject { ["name"] = consumer },
            ["provider"] = new JsonObject { ["name"] = Provider },
            ["interactions"] = new JsonArray(),
            ["metadata"] = new JsonObject { ["revision"] = revision },
        }.ToJsonString();

    private async Task<List<(string Pact, bool Pending)>> SelectedAsync(object body)
    {
        using var response = await _http.PostAsJsonAsync($"/pacts/provider/{Provider}/for-verification", body, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        return [.. json!["_embedded"]!["pacts"]!.AsArray().Select(p => (
            p!["_links"]!["self"]!["name"]!.GetValue<string>(), p["verificationProperties"]!["pending"]!.GetValue<bool>()))];
    }

    private async Task<JsonObject> MatrixAsync(string pacticipant, string version, string environment = "production") =>
        (await _http.GetFromJsonAsync<JsonObject>(
            $"/matrix?q[][pacticipant]={pacticipant}&q[][version]={version}&latestby=cvpv&environment={environment}", TestContext.Current.CancellationToken))!;

    private static bool? Deployable(JsonObject matrix) => matrix["summary"]!["deployable"]?.GetValue<bool>();

    [Fact]
    public async Task Selects_the_latest_of_the_main_branch_the_matching_branch_and_what_is_deployed_once_each()
    {
        _broker.Publish("m1", "main", Pact("web"));
        _broker.Publish("m2", "main", Pact("web", revision: 2));          // the latest of main
        _broker.Publish("f1", "feature/x", Pact("web", revision: 3));     // the provider's branch
        _broker.Publish("d1", "release", Pact("web", revision: 4));       // deployed
        _broker.RecordDeployment("web", "d1", "production");
        _broker.Publish("a1", "main", Pact("app", revision: 2));          // another consumer: its main
        _broker.Publish("o1", "other", Pact("web", revision: 5));         // selected by nothing

        var selected = await SelectedAsync(new
        {
            consumerVersionSelectors = new object[] { new { mainBranch = true }, new { matchingBranch = true }, new { deployedOrReleased = true } },
            providerVersionBranch = "feature/x",
        });

        selected.Select(s => s.Pact).Order().ShouldBe([
            $"Pact between app (a1) and {Provider}", $"Pact between web (d1) and {Provider}",
            $"Pact between web (f1) and {Provider}", $"Pact between web (m2) and {Provider}"]);
        selected.ShouldAllBe(s => !s.Pending, "pending only when asked for");
    }

    [Fact]
    public async Task A_pact_is_pending_until_a_version_on_the_providers_branch_verified_it()
    {
        _broker.Publish("m1", "main", Pact("web"));
        var body = new { consumerVersionSelectors = new[] { new { mainBranch = true } }, includePendingStatus = true, providerVersionBranch = "main" };

        (await SelectedAsync(body)).ShouldHaveSingleItem().Pending.ShouldBeTrue();
        _broker.RecordVerification(Provider, "p1", "feature/y", "web", "m1", success: true);
        (await SelectedAsync(body)).ShouldHaveSingleItem().Pending.ShouldBeTrue("verified from another branch only");
        _broker.RecordVerification(Provider, "p2", "main", "web", "m1", success: false);
        (await SelectedAsync(body)).ShouldHaveSingleItem().Pending.ShouldBeTrue("a failure does not end pending");
        _broker.RecordVerification(Provider, "p3", "main", "web", "m1", success: true);
        (await SelectedAsync(body)).ShouldHaveSingleItem().Pending.ShouldBeFalse();
    }

    [Fact]
    public async Task Refuses_matching_branch_without_a_provider_branch_and_selectors_it_does_not_model()
    {
        using var matching = await _http.PostAsJsonAsync($"/pacts/provider/{Provider}/for-verification",
            new { consumerVersionSelectors = new[] { new { matchingBranch = true } } }, TestContext.Current.CancellationToken);
        using var latest = await _http.PostAsJsonAsync($"/pacts/provider/{Provider}/for-verification",
            new { consumerVersionSelectors = new[] { new { latest = true } } }, TestContext.Current.CancellationToken);

        matching.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        latest.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await latest.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["detail"]!.GetValue<string>()
            .ShouldContain("""the consumer version selector {"latest":true}""");
    }

    [Fact]
    public async Task A_provider_may_go_where_every_deployed_consumers_pact_is_verified_by_it()
    {
        _broker.Publish("w1", "main", Pact("web"));
        _broker.Publish("a1", "main", Pact("app", revision: 2));
        _broker.RecordDeployment("web", "w1", "production");

        (await MatrixAsync(Provider, "p1"))["summary"]!["reason"]!.GetValue<string>().ShouldContain("unknown to the broker");
        Deployable(await MatrixAsync(Provider, "p1")).ShouldBeNull("a version the broker never saw: unknown");

        _broker.RecordVerification(Provider, "p1", "main", "app", "a1", success: true);
        Deployable(await MatrixAsync(Provider, "p1")).ShouldBeNull("web, deployed, has no result from p1 yet");

        _broker.RecordVerification(Provider, "p1", "main", "web", "w1", success: true);
        var yes = await MatrixAsync(Provider, "p1");
        Deployable(yes).ShouldBe(true);
        yes["matrix"]!.AsArray().ShouldHaveSingleItem()!["consumer"]!["name"]!.GetValue<string>().ShouldBe("web", "app is not deployed: nothing relies on the provider there");

        _broker.RecordVerification(Provider, "p2", "main", "web", "w1", success: false);
        Deployable(await MatrixAsync(Provider, "p2")).ShouldBe(false);
        Deployable(await MatrixAsync(Provider, "p1", environment: "test")).ShouldBe(true, "nothing is deployed to test");
    }

    [Fact]
    public async Task A_consumer_may_go_where_the_deployed_provider_verified_its_pact()
    {
        _broker.Publish("w1", "main", Pact("web"));
        _broker.Publish("w2", "main", Pact("web"));                       // the same content as w1
        _broker.Publish("w3", "main", Pact("web", revision: 3));          // new content
        _broker.RecordVerification(Provider, "p1", "main", "web", "w1", success: true);

        Deployable(await MatrixAsync("web", "w2")).ShouldBe(false, "no version of the provider is deployed to production");

        _broker.RecordDeployment(Provider, "p1", "production");
        Deployable(await MatrixAsync("web", "w2")).ShouldBe(true, "p1 verified this content (published by w1)");
        Deployable(await MatrixAsync("web", "w3")).ShouldBeNull("p1 never verified w3's new content");
        Deployable(await MatrixAsync("web", "w1", environment: "nowhere")).ShouldBe(false);
    }

    [Fact]
    public async Task Answers_an_unknown_request_404_and_keeps_it()
    {
        using var response = await _http.GetAsync("/pacticipants/web/labels/team-a", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var unanswered = _broker.Unanswered.ShouldHaveSingleItem();
        (unanswered.Method, unanswered.Path).ShouldBe(("GET", "/pacticipants/web/labels/team-a"));
    }
}
