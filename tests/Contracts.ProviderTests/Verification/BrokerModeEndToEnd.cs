using System.Diagnostics;
using LedgerX.Contracts.ProviderTests.Infrastructure;
using LedgerX.Pact;
using LedgerX.Pact.Testing;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// The broker flow of docs/contracts.md, end to end, against the stand-in broker (tests/Shared/LedgerX.Pact.Testing; no
/// real broker can run here): tools/contracts/pact-broker.sh publishes the committed pacts with the real Pact CLI,
/// transaction-service verifies what the broker selects through broker mode's own path
/// (<see cref="ProviderVerification"/>, as <see cref="TransactionServiceHonoursItsConsumers"/>) and publishes its results,
/// and can-i-deploy answers from them: yes for the service, no for the gate's broken one
/// (<see cref="ARenamedFieldFailsVerification.ServiceWithRenamedEventSequence"/>).
/// </summary>
public sealed class BrokerModeEndToEnd
{
    private const string ConsumerVersion = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
    private const string ProviderVersionGood = "9000900090009000900090009000900090009000";
    private const string ProviderVersionBroken = "bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0";
    private const string Branch = "main";
    private const string Environment = "production";
    private const string Token = "ci-broker-token";

    [Fact]
    public async Task PublishVerifyAndCanIDeploy_SaysYesForTheService_AndNoForOneThatBrokeAPact()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        await using var broker = await StandInPactBroker.StartAsync(ct);
        var consumers = PactFiles.ForProvider(PactFiles.RepositoryPactDirectory(), ProviderVersion.Provider)
            .Select(f => Path.GetFileName(f).Split("-transaction-service")[0]).Order().ToList();
        consumers.ShouldBe(["analytics-service", "fraud-service", "gateway"], "the committed pacts naming transaction-service");

        // (a) CI publishes the consumers' pacts (contracts/pacts/, as committed) as version C on main.
        var publish = await ScriptAsync(broker, ["publish"], ConsumerVersion);
        publish.ExitCode.ShouldBe(0, publish.Output);
        // Every committed pact is published; the ones naming transaction-service are this test's (others name auth-service).
        var ledgerPacts = broker.Pacts.Where(p => p.Provider == ProviderVersion.Provider).ToList();
        ledgerPacts.Select(p => (p.Consumer, p.ConsumerVersion, p.Branch, p.Provider)).Order().ShouldBe(
            [.. consumers.Select(c => (c, ConsumerVersion, (string?)Branch, ProviderVersion.Provider))]);

        // (b) transaction-service P verifies what the broker selects for main, and publishes its results as P on main.
        var verified = await VerifyFromBrokerAsync(new TransactionServiceHost(), broker, ProviderVersionGood);
        verified.Result.Passed.ShouldBeTrue(verified.Report);
        // Both consumers' pacts were selected (their main branch); never verified from main before, both were pending.
        verified.Result.Output.ShouldContain($"the latest version of fraud-service from its main branch 'main' ({ConsumerVersion})");
        verified.Result.Output.ShouldContain($"the latest version of analytics-service from its main branch 'main' ({ConsumerVersion})");
        verified.Result.Output.ShouldContain("This pact is in pending state");
        ResultsOf(broker, ProviderVersionGood).ShouldBe(
            [.. consumers.Select(c => (c, (string?)Branch, true))], "a successful result per consumer's pact, recorded as P on main");
        broker.Verifications.Select(v => v.PactContentSha).Order().ShouldBe(ledgerPacts.Select(p => p.ContentSha).Order(), "the published pacts were verified");

        // (c) The consumers at C are in production; transaction-service P verified their pacts: it can go.
        foreach (var consumer in consumers)
        {
            var recorded = await ScriptAsync(broker, ["record-deployment", consumer, Environment], ConsumerVersion);
            recorded.ExitCode.ShouldBe(0, recorded.Output);
        }
        broker.Deployments.Select(d => (d.Pacticipant, d.Version, d.Environment)).Order()
            .ShouldBe([.. consumers.Select(c => (c, ConsumerVersion, Environment))]);
        var yes = await ScriptAsync(broker, ["can-i-deploy", ProviderVersion.Provider], ProviderVersionGood);
        yes.ExitCode.ShouldBe(0, yes.Output);
        yes.Output.ShouldContain("Computer says yes");

        // (d) A provider that renamed the events' sequence: analytics-service's pact fails, the failure is published, and
        // can-i-deploy says no for that version, naming the pact.
        var broken = await VerifyFromBrokerAsync(new ARenamedFieldFailsVerification.ServiceWithRenamedEventSequence(), broker, ProviderVersionBroken);
        // No longer pending (P verified them from main), so the failure fails the verification.
        broken.Result.Output.ShouldNotContain("This pact is in pending state");
        broken.Result.Passed.ShouldBeFalse(broken.Report);
        broken.Result.Output.ShouldMatch(@"\$\.items\[\d+\] -> [^\n]*\bsequence\b", broken.Report);
        // Only analytics-service's pact reads the event sequence; every other consumer's still verifies.
        ResultsOf(broker, ProviderVersionBroken).ShouldBe([.. consumers.Select(c => (c, (string?)Branch, c != "analytics-service"))]);
        var no = await ScriptAsync(broker, ["can-i-deploy", ProviderVersion.Provider], ProviderVersionBroken);
        no.ExitCode.ShouldNotBe(0, no.Output);
        no.Output.ShouldContain($"The verification of the pact between analytics-service {ConsumerVersion} and transaction-service {ProviderVersionBroken} failed.");
        no.Output.ShouldContain($"transaction-service {ProviderVersionBroken} cannot be deployed to {Environment}");

        broker.Unanswered.ShouldBeEmpty("every request of the CLI and the verifier was one the stand-in knows");
        TestContext.Current.TestOutputHelper?.WriteLine($"publish, verify ×2, record-deployment ×2, can-i-deploy ×2 in {clock.Elapsed.TotalSeconds:F1} s\n{no.Output}");
    }

    /// <summary>Broker mode as CI configures it, but with this test's broker and versions: the same selectors, pending
    /// pacts and publishing as <see cref="BrokerMode.FromEnvironmentAsync"/> would give for PACT_BROKER_BASE_URL,
    /// PACT_BROKER_TOKEN, GIT_BRANCH=main, PACT_PUBLISH_VERIFICATION_RESULTS=true and GIT_COMMIT=version.</summary>
    private static async Task<(PactVerificationResult Result, string Report)> VerifyFromBrokerAsync(
        TransactionServiceHost host, StandInPactBroker broker, string version)
    {
        await using var service = host;
        await service.InitializeAsync();
        var variables = new Dictionary<string, string> { ["PACT_BROKER_BASE_URL"] = broker.BaseUrl, ["PACT_BROKER_TOKEN"] = Token };
        var mode = new BrokerMode(
            PactBrokerSource.FromVariables(variables.GetValueOrDefault, Branch)!, new ResultsPublication(version, Branch, BuildUrl: null));
        using var verifier = ProviderVerification.Verifier(service, version).FromBroker(mode);
        var result = await verifier.VerifyAsync(TestContext.Current.CancellationToken);
        return (result, service.Report(result));
    }

    private static List<(string Consumer, string? Branch, bool Success)> ResultsOf(StandInPactBroker broker, string providerVersion) =>
        [.. broker.Verifications.Where(v => v.ProviderVersion == providerVersion).Select(v => (v.Consumer, v.ProviderBranch, v.Success)).Order()];

    /// <summary>tools/contracts/pact-broker.sh as CI runs it, at <paramref name="gitCommit"/> on main; the committed
    /// contracts/pacts (no PACT_DIR); no retries while results are unknown (nothing more will arrive).</summary>
    private static Task<ScriptRun> ScriptAsync(StandInPactBroker broker, string[] args, string gitCommit) =>
        PactBrokerScript.RunAsync(args, new Dictionary<string, string?>
        {
            ["PACT_BROKER_BASE_URL"] = broker.BaseUrl,
            ["PACT_BROKER_TOKEN"] = Token,
            ["GIT_COMMIT"] = gitCommit,
            ["GIT_BRANCH"] = Branch,
            ["PACT_DEPLOY_ENVIRONMENT"] = Environment,
            ["PACT_CAN_I_DEPLOY_RETRIES"] = "0",
        }, TestContext.Current.CancellationToken);
}
