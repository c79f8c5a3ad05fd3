using System.Text;
using System.Text.Json.Nodes;

namespace LedgerX.Pact.Tests;

/// <summary>The verifier fetches pacts from a Pact Broker with selectors and publishes its results there.</summary>
public sealed class PactVerifierWithABroker : IDisposable
{
    private const string ProviderVersion = "0f1e2d3c";

    private readonly TestPactDirectory _pacts = new();

    public void Dispose() => _pacts.Dispose();

    private async Task<string> PactJsonAsync()
    {
        await AccountsContract.Declare(_pacts.Path).VerifyAsync(uri => AccountsContract.ExerciseAsync(uri));
        return await File.ReadAllTextAsync(_pacts.File(AccountsContract.Consumer, AccountsContract.Provider), TestContext.Current.CancellationToken);
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

    private static BrokerRequest Single(FakePactBroker broker, string method, string pathStart) =>
        broker.Requests.Where(r => r.Method == method && r.Path.StartsWith(pathStart, StringComparison.Ordinal)).ShouldHaveSingleItem();

    [Fact]
    public async Task Asks_for_the_pacts_with_the_selectors_provider_branch_pending_and_wip_options()
    {
        await using var broker = await FakePactBroker.StartAsync(await PactJsonAsync());
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, new PactBrokerSource(broker.BaseUrl)
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
        result.Output.ShouldContain("The pact is verified because it is the latest from the main branch.");
        broker.Requests.ShouldNotContain(r => r.Path.Contains("verification-results", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publishes_a_success_with_the_provider_version_branch_and_build_url()
    {
        await using var broker = await FakePactBroker.StartAsync(await PactJsonAsync());
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, new PactBrokerSource(broker.BaseUrl) { Token = "t", ProviderBranch = "feature/freeze" });

        result.Passed.ShouldBeTrue(result.Output);
        Single(broker, "PUT", $"/pacticipants/{AccountsContract.Provider}/branches/").Path
            .ShouldBe($"/pacticipants/{AccountsContract.Provider}/branches/feature%2Ffreeze/versions/{ProviderVersion}");
        var published = JsonNode.Parse(PublishedBody(broker))!;
        published["success"]!.GetValue<bool>().ShouldBeTrue();
        published["providerApplicationVersion"]!.GetValue<string>().ShouldBe(ProviderVersion);
        published["buildUrl"]!.GetValue<string>().ShouldBe("https://ci.example/builds/7");
    }

    [Fact]
    public async Task Publishes_a_failure_when_the_provider_broke_the_contract()
    {
        await using var broker = await FakePactBroker.StartAsync(await PactJsonAsync());
        await using var provider = await AccountsProvider.StartAsync(statusFieldName: "state");

        var result = await VerifyAsync(provider, new PactBrokerSource(broker.BaseUrl) { Token = "t", ProviderBranch = "feature/freeze" });

        result.Passed.ShouldBeFalse(result.Output);
        result.Output.ShouldContain("missing the following keys: status");
        var published = JsonNode.Parse(PublishedBody(broker))!;
        published["success"]!.GetValue<bool>().ShouldBeFalse();
        published["providerApplicationVersion"]!.GetValue<string>().ShouldBe(ProviderVersion);
    }

    [Fact]
    public async Task Authenticates_with_a_username_and_password()
    {
        await using var broker = await FakePactBroker.StartAsync(await PactJsonAsync());
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, new PactBrokerSource(broker.BaseUrl) { Username = "ci", Password = "s3cret" }, publish: false);

        result.Passed.ShouldBeTrue(result.Output);
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ci:s3cret"));
        broker.Requests.ShouldAllBe(r => r.Authorization == basic);
    }

    private static string PublishedBody(FakePactBroker broker) =>
        broker.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/verification-results", StringComparison.Ordinal)).ShouldHaveSingleItem().Body;
}
