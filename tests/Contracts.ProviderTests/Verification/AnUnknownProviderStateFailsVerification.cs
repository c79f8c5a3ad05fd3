using System.Net.Http.Json;
using LedgerX.Contracts.ProviderTests.Infrastructure;
using LedgerX.Pact;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// A consumer that names a provider state transaction-service does not know fails verification, and the output says
/// which state: it is never verified against a provider that silently set nothing up.
/// </summary>
public sealed class AnUnknownProviderStateFailsVerification : IDisposable
{
    private const string UnknownState = "an account with a pending hold";

    private readonly string _pacts = Directory.CreateTempSubdirectory("ledgerx-provider-unknown-state-").FullName;

    public void Dispose() => Directory.Delete(_pacts, recursive: true);

    [Fact]
    public async Task APactNamingAnUnknownState_FailsWithTheStateInTheOutput()
    {
        var account = Guid.Parse("0193a5c4-7f00-7000-8000-0000000000aa");
        var consumer = new PactBuilder("unknown-state-consumer", ProviderVersion.Provider, _pacts);
        consumer.UponReceiving("a request for an account with a pending hold").Given(UnknownState)
            .WithRequest("GET", $"/api/v1/accounts/{account}")
            .WillRespond().WithStatus(200);
        await consumer.VerifyAsync(async mock =>
        {
            using var client = new HttpClient { BaseAddress = mock };
            using var _ = await client.GetAsync($"/api/v1/accounts/{account}");
        });

        await using var service = new TransactionServiceHost();
        await service.InitializeAsync();
        using var verifier = new PactVerifier(ProviderVersion.Provider, "unknown-state-test")
            .WithHttpEndpoint(service.BaseAddress)
            .WithProviderStateUrl(service.ProviderStatesUrl)
            .WithFileSource(consumer.PactFile);
        var result = await verifier.VerifyAsync(TestContext.Current.CancellationToken);

        var report = service.Report(result);
        Assert.False(result.Passed, report);
        result.Output.ShouldContain($"Given {UnknownState}");
        // What the verifier leaves out, the report adds: the refused state and the ones that exist.
        report.ShouldContain($"no provider state '{UnknownState}'. Known states: 'a posted deposit', 'an open account'");
        TestContext.Current.TestOutputHelper?.WriteLine(report);
    }
}
