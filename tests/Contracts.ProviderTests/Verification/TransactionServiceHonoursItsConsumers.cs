using LedgerX.Contracts.ProviderTests.Infrastructure;
using LedgerX.Pact;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// transaction-service verifies every pact that names it, each against a fresh instance of the real service (its own
/// database, its own workflow sidecar): the pact files in contracts/pacts, or, when PACT_BROKER_BASE_URL is set, the
/// pacts the broker selects (main branch, deployed or released), publishing the results when
/// PACT_PUBLISH_VERIFICATION_RESULTS=true.
/// </summary>
public sealed class TransactionServiceHonoursItsConsumers
{
    /// <summary>The one row of a run with no pact to verify, so the theory fails saying why instead of having no rows.</summary>
    public const string NoPactFiles = "(no pact file names transaction-service)";

    public const string Broker = "(the Pact Broker's selected pacts)";

    /// <summary>One row per pact file naming the provider (its file name), or one row for the broker.</summary>
    public static TheoryData<string> Sources()
    {
        if (PactBrokerSource.FromEnvironment(providerBranch: null) is not null)
        {
            return [Broker];
        }
        var files = PactFiles.ForProvider(PactFiles.RepositoryPactDirectory(), ProviderVersion.Provider);
        return files.Count == 0 ? [NoPactFiles] : [.. files.Select(Path.GetFileName).OfType<string>()];
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task VerifiesThePact(string source)
    {
        var directory = PactFiles.RepositoryPactDirectory();
        if (source == NoPactFiles)
        {
            Assert.Fail($"No pact file in {directory} names {ProviderVersion.Provider}. Its consumers' contract tests " +
                "(tests/Contracts.ConsumerTests) write them there: they did not run, or wrote elsewhere. A provider with no contracts verifies nothing.");
        }

        await using var service = new TransactionServiceHost();
        await service.InitializeAsync();
        using var verifier = ProviderVerification.Verifier(service, await ProviderVersion.CommitAsync() ?? "unknown");
        if (source == Broker)
        {
            verifier.FromBroker((await BrokerMode.FromEnvironmentAsync())!);
        }
        else
        {
            verifier.WithFileSource(Path.Combine(directory, source));
        }

        var result = await verifier.VerifyAsync(TestContext.Current.CancellationToken);

        Assert.True(result.Passed, $"{ProviderVersion.Provider} does not honour {source}:\n{service.Report(result)}");
        TestContext.Current.TestOutputHelper?.WriteLine(result.Output);
    }
}
