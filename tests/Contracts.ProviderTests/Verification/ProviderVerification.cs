using LedgerX.Contracts.ProviderTests.Infrastructure;
using LedgerX.Pact;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// How transaction-service is verified, whichever source the pacts come from: a verifier aimed at the host's service and
/// its provider-state endpoint, and in broker mode the broker's selection plus, when asked, publishing the results.
/// <see cref="TransactionServiceHonoursItsConsumers"/> takes broker mode's settings from the process environment
/// (<see cref="BrokerMode.FromEnvironmentAsync"/>); <see cref="BrokerModeEndToEnd"/> gives them explicitly, down the same path.
/// </summary>
public static class ProviderVerification
{
    public static PactVerifier Verifier(TransactionServiceHost service, string providerVersion) =>
        new PactVerifier(ProviderVersion.Provider, providerVersion)
            .WithHttpEndpoint(service.BaseAddress)
            .WithProviderStateUrl(service.ProviderStatesUrl);

    public static PactVerifier FromBroker(this PactVerifier verifier, BrokerMode mode)
    {
        verifier.WithBrokerSource(mode.Source);
        if (mode.Publish is { } publish)
        {
            verifier.PublishResults(publish.ProviderVersion, publish.Branch, publish.BuildUrl);
        }
        return verifier;
    }
}

/// <summary>Where the results of a broker-mode verification go: the provider version, its branch, the CI build.</summary>
public sealed record ResultsPublication(string ProviderVersion, string? Branch, string? BuildUrl);

/// <summary>Broker mode: the broker and its selection (<see cref="PactBrokerSource"/>), and where results go (null: not published).</summary>
public sealed record BrokerMode(PactBrokerSource Source, ResultsPublication? Publish)
{
    /// <summary>
    /// As CI sets it (docs/contracts.md): PACT_BROKER_* for the broker and its selectors, the provider branch from
    /// GIT_BRANCH (or git), and, with PACT_PUBLISH_VERIFICATION_RESULTS=true, publishing as GIT_COMMIT (or git HEAD) with
    /// BUILD_URL. Null without PACT_BROKER_BASE_URL.
    /// </summary>
    public static async Task<BrokerMode?> FromEnvironmentAsync()
    {
        var branch = await ProviderVersion.BranchAsync();
        if (PactBrokerSource.FromEnvironment(branch) is not { } source)
        {
            return null;
        }
        if (!ProviderVersion.PublishResults)
        {
            return new BrokerMode(source, null);
        }
        var commit = await ProviderVersion.CommitAsync()
            ?? throw new InvalidOperationException("PACT_PUBLISH_VERIFICATION_RESULTS=true needs the provider's version: set GIT_COMMIT or run inside the git checkout.");
        return new BrokerMode(source, new ResultsPublication(commit, branch, ProviderVersion.BuildUrl));
    }
}
