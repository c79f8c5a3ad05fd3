using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Pact.Testing;

namespace LedgerX.Cli.Tests.Contracts;

/// <summary>
/// tools/contracts/pact-broker.sh driving the real, pinned Pact CLI against the stand-in broker
/// (tests/Shared/LedgerX.Pact.Testing): no Pact Broker can run here, so the stand-in keeps what is published, verified and
/// deployed, answers can-i-deploy from it and records every request. All tests are in one class so they run one after
/// another (the first restores the CLI with npm ci).
/// </summary>
public sealed class PactBrokerScriptTests : IAsyncLifetime
{
    private const string Commit = "3f1c0de5a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5";
    private readonly string _pactDir = Directory.CreateTempSubdirectory("ledgerx-pacts-").FullName;
    private StandInPactBroker _broker = null!;

    public async ValueTask InitializeAsync()
    {
        _broker = await StandInPactBroker.StartAsync(TestContext.Current.CancellationToken);
        WritePact("fraud-service", "transaction-service");
        WritePact("analytics-service", "transaction-service");
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_pactDir, recursive: true);
    }

    [Fact]
    public async Task Publish_SendsEveryPact_AsTheCommit_OnTheBranch_WithTheToken()
    {
        var run = await RunAsync(["publish"], new() { ["GIT_BRANCH"] = "feature/holds", ["BUILD_URL"] = "https://ci.example/run/7" });

        run.ExitCode.ShouldBe(0, run.Output);
        var published = _broker.Requests.Where(r => r.Method == "POST" && r.Path == "/contracts/publish").ToList();
        published.Count.ShouldBe(2, "one publication per consumer");
        published.ShouldAllBe(r => r.Authorization == "Bearer broker-token");
        var bodies = published.Select(r => JsonNode.Parse(r.Body)!).ToList();
        bodies.ShouldAllBe(b => b["pacticipantVersionNumber"]!.GetValue<string>() == Commit);
        bodies.ShouldAllBe(b => b["branch"]!.GetValue<string>() == "feature/holds");
        bodies.ShouldAllBe(b => b["buildUrl"]!.GetValue<string>() == "https://ci.example/run/7");
        bodies.Select(b => b["pacticipantName"]!.GetValue<string>()).Order().ShouldBe(["analytics-service", "fraud-service"]);
        var contract = bodies.Single(b => b["pacticipantName"]!.GetValue<string>() == "fraud-service")["contracts"]![0]!;
        contract["providerName"]!.GetValue<string>().ShouldBe("transaction-service");
        var content = Encoding.UTF8.GetString(Convert.FromBase64String(contract["content"]!.GetValue<string>()));
        JsonNode.Parse(content)!["consumer"]!["name"]!.GetValue<string>().ShouldBe("fraud-service", "the pact file itself is published");
        // The broker keeps them, as the verifier will be served them.
        _broker.Pacts.Select(p => (p.Consumer, p.ConsumerVersion, p.Branch, p.Provider)).Order().ShouldBe(
            [("analytics-service", Commit, "feature/holds", "transaction-service"), ("fraud-service", Commit, "feature/holds", "transaction-service")]);
        _broker.Unanswered.ShouldBeEmpty();
    }

    [Fact]
    public async Task Publish_UsesBasicAuth_WhenGivenAUserInsteadOfAToken()
    {
        var run = await RunAsync(["publish"], new() { ["GIT_BRANCH"] = "main", ["PACT_BROKER_TOKEN"] = null, ["PACT_BROKER_USERNAME"] = "ci", ["PACT_BROKER_PASSWORD"] = "s3cret" });

        run.ExitCode.ShouldBe(0, run.Output);
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ci:s3cret"));
        _broker.Requests.Where(r => r.Method == "POST").ShouldAllBe(r => r.Authorization == basic);
    }

    [Fact]
    public async Task CanIDeploy_AsksForEveryPacticipantNamedInThePacts_AtTheCommit_ForTheEnvironment()
    {
        // Everything verified, and the provider that verified it deployed to staging: all three may go.
        PublishBothPactsAtTheCommit();
        VerifyBothPacts("transaction-service", Commit, fraudOk: true, analyticsOk: true);
        _broker.RecordDeployment("transaction-service", Commit, "staging");

        var run = await RunAsync(["can-i-deploy"], new() { ["PACT_DEPLOY_ENVIRONMENT"] = "staging" });

        run.ExitCode.ShouldBe(0, run.Output);
        var asked = _broker.Requests.Where(r => r.Path == "/matrix").Select(r => Uri.UnescapeDataString(r.Query)).ToList();
        asked.Count.ShouldBe(3);
        foreach (var name in new[] { "analytics-service", "fraud-service", "transaction-service" })
        {
            asked.ShouldContain(q => q.Contains($"q[][pacticipant]={name}&", StringComparison.Ordinal)
                && q.Contains($"q[][version]={Commit}", StringComparison.Ordinal)
                && q.Contains("environment=staging", StringComparison.Ordinal));
        }
        _broker.Unanswered.ShouldBeEmpty();
    }

    [Fact]
    public async Task CanIDeploy_Fails_WhenTheBrokerSaysAPacticipantIsNotDeployable()
    {
        // In production: both consumers at the commit, and an older transaction-service that verified their pacts. The
        // commit's transaction-service failed analytics-service's pact: it cannot go; the consumers can.
        PublishBothPactsAtTheCommit();
        VerifyBothPacts("transaction-service", "0ld0ld0", fraudOk: true, analyticsOk: true);
        VerifyBothPacts("transaction-service", Commit, fraudOk: true, analyticsOk: false);
        _broker.RecordDeployment("transaction-service", "0ld0ld0", "production");
        _broker.RecordDeployment("fraud-service", Commit, "production");
        _broker.RecordDeployment("analytics-service", Commit, "production");

        var run = await RunAsync(["can-i-deploy"], new() { ["PACT_CAN_I_DEPLOY_RETRIES"] = "0" });

        run.ExitCode.ShouldNotBe(0);
        run.Output.ShouldContain("transaction-service 3f1c0de5a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5 cannot be deployed to production");
        run.Output.ShouldNotContain("fraud-service 3f1c0de5a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5 cannot be deployed");
        run.Output.ShouldNotContain("analytics-service 3f1c0de5a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5 cannot be deployed");
        // The broker's reason reaches the log.
        run.Output.ShouldContain($"The verification of the pact between analytics-service {Commit} and transaction-service {Commit} failed.");
    }

    [Fact]
    public async Task CanIDeploy_SaysNo_ForAVersionTheBrokerHasNeverSeen()
    {
        PublishBothPactsAtTheCommit();

        var run = await RunAsync(["can-i-deploy", "transaction-service"], new() { ["PACT_CAN_I_DEPLOY_RETRIES"] = "0" });

        run.ExitCode.ShouldNotBe(0, run.Output);
        run.Output.ShouldContain($"Version {Commit} of transaction-service is unknown to the broker");
    }

    [Fact]
    public async Task CanIDeploy_AsksOnlyForTheNamedPacticipants()
    {
        PublishBothPactsAtTheCommit();
        VerifyBothPacts("transaction-service", Commit, fraudOk: true, analyticsOk: true);
        _broker.RecordDeployment("transaction-service", Commit, "production");

        var run = await RunAsync(["can-i-deploy", "fraud-service"]);

        run.ExitCode.ShouldBe(0, run.Output);
        _broker.Requests.Where(r => r.Path == "/matrix").ShouldHaveSingleItem().Query.ShouldContain("fraud-service");
    }

    [Fact]
    public async Task RecordDeployment_RecordsTheCommit_InTheEnvironment()
    {
        _broker.AddVersion("transaction-service", Commit, "main");

        var run = await RunAsync(["record-deployment", "transaction-service", "production"]);

        run.ExitCode.ShouldBe(0, run.Output);
        _broker.Requests.ShouldContain(r => r.Method == "GET" && r.Path == $"/pacticipants/transaction-service/versions/{Commit}");
        _broker.Requests.ShouldContain(r => r.Method == "POST" && r.Path == $"/pacticipants/transaction-service/versions/{Commit}/deployed-versions/environment/production");
        _broker.Deployments.ShouldBe([new Deployment("transaction-service", Commit, "production")]);
    }

    [Fact]
    public async Task RecordDeployment_Fails_ForAVersionTheBrokerHasNeverSeen()
    {
        var run = await RunAsync(["record-deployment", "transaction-service", "production"]);

        run.ExitCode.ShouldNotBe(0, run.Output);
        _broker.Deployments.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("publish")]
    [InlineData("can-i-deploy")]
    public async Task WithoutABroker_ItRefusesClearly(string command)
    {
        var run = await RunAsync([command], new() { ["PACT_BROKER_BASE_URL"] = null });

        run.ExitCode.ShouldBe(2);
        run.Output.ShouldContain("PACT_BROKER_BASE_URL is not set");
        _broker.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Publish_WithoutPactFiles_SaysToRunTheConsumerTests()
    {
        foreach (var file in Directory.GetFiles(_pactDir))
        {
            File.Delete(file);
        }

        var run = await RunAsync(["publish"], new() { ["GIT_BRANCH"] = "main" });

        run.ExitCode.ShouldBe(2);
        run.Output.ShouldContain("run the consumer tests first");
        _broker.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Version_TakesTheBranchFromTheCi_WhenTheCheckoutIsDetached()
    {
        var run = await RunAsync(["version"], new() { ["GIT_BRANCH"] = null, ["GITHUB_REF_NAME"] = "release-2026.11" });

        run.ExitCode.ShouldBe(0, run.Output);
        run.Output.ShouldContain($"version {Commit}");
        run.Output.ShouldContain("branch release-2026.11");
    }

    [Fact]
    public async Task AnUnknownCommand_IsRefusedWithTheUsage()
    {
        var run = await RunAsync(["deploy-everything"]);

        run.ExitCode.ShouldBe(2);
        run.Output.ShouldContain("unknown command 'deploy-everything'");
        run.Output.ShouldContain("can-i-deploy [PACTICIPANT...]");
    }

    private void WritePact(string consumer, string provider) =>
        File.WriteAllText(Path.Combine(_pactDir, $"{consumer}-{provider}.json"), JsonSerializer.Serialize(new
        {
            consumer = new { name = consumer },
            provider = new { name = provider },
            interactions = Array.Empty<object>(),
            metadata = new { pactSpecification = new { version = "4.0" } },
        }));

    /// <summary>What <c>publish</c> would have left in the broker: both pact files as the commit, on main.</summary>
    private void PublishBothPactsAtTheCommit()
    {
        foreach (var file in Directory.GetFiles(_pactDir, "*.json"))
        {
            _broker.Publish(Commit, "main", File.ReadAllText(file));
        }
    }

    private void VerifyBothPacts(string provider, string providerVersion, bool fraudOk, bool analyticsOk)
    {
        _broker.RecordVerification(provider, providerVersion, "main", "fraud-service", Commit, fraudOk);
        _broker.RecordVerification(provider, providerVersion, "main", "analytics-service", Commit, analyticsOk);
    }

    private Task<ScriptRun> RunAsync(string[] args, Dictionary<string, string?>? overrides = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["PACT_BROKER_BASE_URL"] = _broker.BaseUrl,
            ["PACT_BROKER_TOKEN"] = "broker-token",
            ["PACT_DIR"] = _pactDir,
            ["GIT_COMMIT"] = Commit,
        };
        foreach (var (name, value) in overrides ?? [])
        {
            environment[name] = value;
        }
        return PactBrokerScript.RunAsync(args, environment, TestContext.Current.CancellationToken);
    }
}
