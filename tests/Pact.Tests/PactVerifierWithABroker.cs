using System.Text;
using System.Text.Json.Nodes;
using LedgerX.Pact.Testing;

namespace LedgerX.Pact.Tests;

/// <summary>The verifier fetches pacts from a Pact Broker with selectors and publishes its results there.</summary>
public sealed class PactVerifierWithABroker : IDisposable
{
    private const string ProviderVersion = "0f1e2d3c";
    private const string ConsumerVersion = "c0ffee01";

    private readonly TestPactDirectory _pacts = new();

    public void Dispose() => _pacts.Dispose();

    /// <summary>A stand-in broker that holds the consumer's pact, published from its main branch.</summary>
    private async Task<StandInPactBroker> BrokerWithThePactAsync()
    {
        await AccountsContract.Declare(_pacts.Path).VerifyAsync(uri => AccountsContract.ExerciseAsync(uri));
        var pact = await File.ReadAllTextAsync(_pacts.File(AccountsContract.Consumer, AccountsContract.Provider), TestContext.Current.CancellationToken);
        var broker = await StandInPactBroker.StartAsync(TestContext.Current.CancellationToken);
        broker.Publish(ConsumerVersion, "main", pact);
        return broker;
    }

    private static async Task<PactVerificationResult> VerifyAsync(
        AccountsProvider provider, PactBrokerSource broker, bool publish = true)
    {
        using var verifier = new PactVerifier(AccountsContract.Provider, ProviderVersion)
            .WithHttpEndpoint(provider.BaseUrl)
            .WithProviderStateUrl(provider.ProviderStateUrl)
            .WithBrokerSource(broker);
        if (publish)
        {
            verifier.PublishResults(ProviderVersion, "feature/freeze", "https://ci.example/builds/7");
        }

        return await verifier.VerifyAsync(TestContext.Current.CancellationToken);
    }

    private static BrokerRequest Single(StandInPactBroker broker, string method, string pathStart) =>
        broker.Requests.Where(r => r.Method == method && r.Path.StartsWith(pathStart, StringComparison.Ordinal))
            .ShouldHaveSingleItem($"The broker was asked:\n{string.Join("\n", broker.Requests)}");

    [Fact]
    public async Task Asks_for_the_pacts_with_the_selectors_provider_branch_pending_and_wip_options()
    {
        await using var broker = await BrokerWithThePactAsync();
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, new PactBrokerSource(new Uri(broker.BaseUrl))
        {
            Token = "broker-token",
            ProviderBranch = "feature/freeze",
            EnablePending = true,
            IncludeWipPactsSince = "2026-01-01",
        }, publish: false);

        result.Passed.ShouldBeTrue(result.Output);
        var request = Single(broker, "POST", $"/pacts/provider/{AccountsContract.Provider}/for-verification");
        Json.Compact(JsonNode.Parse(request.Body)).ShouldBe(
            """{"includePendingStatus":true,"includeWipPactsSince":"2026-01-01","consumerVersionSelectors":[{"mainBranch":true},{"matchingBranch":true},{"deployedOrReleased":true}],"providerVersionBranch":"feature/freeze"}""");
        broker.Requests.ShouldAllBe(r => r.Authorization == "Bearer broker-token");
        // The broker's notices reach the output: why the pact was selected, and that it is pending for this branch.
        result.Output.ShouldContain($"because it belongs to the latest version of {AccountsContract.Consumer} from its main branch 'main' ({ConsumerVersion})");
        result.Output.ShouldContain("This pact is in pending state");
        broker.Unanswered.ShouldBeEmpty();
        broker.Requests.ShouldNotContain(r => r.Path.Contains("verification-results", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publishes_a_success_with_the_provider_version_branch_and_build_url()
    {
        await using var broker = await BrokerWithThePactAsync();
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, new PactBrokerSource(new Uri(broker.BaseUrl)) { Token = "t", ProviderBranch = "feature/freeze" });

        result.Passed.ShouldBeTrue(result.Output);
        Single(broker, "PUT", $"/pacticipants/{AccountsContract.Provider}/branches/").Path
            .ShouldBe($"/pacticipants/{AccountsContract.Provider}/branches/feature%2Ffreeze/versions/{ProviderVersion}");
        var published = JsonNode.Parse(PublishedBody(broker))!;
        published["success"]!.GetValue<bool>().ShouldBeTrue();
        published["providerApplicationVersion"]!.GetValue<string>().ShouldBe(ProviderVersion);
        published["buildUrl"]!.GetValue<string>().ShouldBe("https://ci.example/builds/7");
        var recorded = broker.Verifications.ShouldHaveSingleItem();
        (recorded.ProviderVersion, recorded.ProviderBranch, recorded.Consumer, recorded.Success).ShouldBe((ProviderVersion, "feature/freeze", AccountsContract.Consumer, true));
        broker.Unanswered.ShouldBeEmpty();
    }

    [Fact]
    public async Task Publishes_a_failure_when_the_provider_broke_the_contract()
    {
        await using var broker = await BrokerWithThePactAsync();
        await using var provider = await AccountsProvider.StartAsync(statusFieldName: "state");

        var result = await VerifyAsync(provider, new PactBrokerSource(new Uri(broker.BaseUrl)) { Token = "t", ProviderBranch = "feature/freeze" });

        result.Passed.ShouldBeFalse(result.Output);
        result.Output.ShouldContain("missing the following keys: status");
        var published = JsonNode.Parse(PublishedBody(broker))!;
        published["success"]!.GetValue<bool>().ShouldBeFalse();
        published["providerApplicationVersion"]!.GetValue<string>().ShouldBe(ProviderVersion);
        broker.Verifications.ShouldHaveSingleItem().Success.ShouldBeFalse();
    }

    [Fact]
    public async Task Authenticates_with_a_username_and_password()
    {
        await using var broker = await BrokerWithThePactAsync();
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, new PactBrokerSource(new Uri(broker.BaseUrl)) { Username = "ci", Password = "s3cret", ProviderBranch = "main" }, publish: false);

        result.Passed.ShouldBeTrue(result.Output);
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ci:s3cret"));
        broker.Requests.ShouldAllBe(r => r.Authorization == basic);
    }

    private static string PublishedBody(StandInPactBroker broker) =>
        broker.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/verification-results", StringComparison.Ordinal))
            .ShouldHaveSingleItem($"The broker was asked:\n{string.Join("\n", broker.Requests)}").Body;
}
