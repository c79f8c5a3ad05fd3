using System.Text.Json;
using LedgerX.Pact;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// A pact nobody verifies is a promise nobody checks: every provider named in contracts/pacts must be one whose
/// verification this project runs. A consumer test that starts calling a new provider (say fraud-service's API) fails
/// here until that provider gets its verification, instead of its pact sitting in the folder unverified.
/// </summary>
public sealed class EveryPactHasAVerifyingProvider
{
    /// <summary>The providers this project verifies: transaction-service in <see cref="TransactionServiceHonoursItsConsumers"/>,
    /// auth-service in <see cref="AuthServiceHonoursItsConsumers"/>.</summary>
    private static readonly HashSet<string> VerifiedProviders = new(StringComparer.Ordinal) { ProviderVersion.Provider, AuthServiceHonoursItsConsumers.Provider };

    [Fact]
    public void EveryProviderNamedInTheRepositorysPacts_IsVerifiedHere()
    {
        var directory = PactFiles.RepositoryPactDirectory();

        Directory.GetFiles(directory, "*.json").ShouldNotBeEmpty($"no pact files in {directory}: the consumer tests write them");
        Unverified(directory).ShouldBeEmpty();
    }

    [Fact]
    public void APactForAProviderNobodyVerifies_IsReported()
    {
        var directory = Directory.CreateTempSubdirectory("ledgerx-pacts-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "analytics-service-fraud-service.json"),
                """{"consumer":{"name":"analytics-service"},"provider":{"name":"fraud-service"},"interactions":[],"metadata":{"pactSpecification":{"version":"4.0"}}}""");

            Unverified(directory).ShouldBe(["analytics-service-fraud-service.json names provider 'fraud-service', which no test in tests/Contracts.ProviderTests verifies"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<string> Unverified(string directory) =>
        [.. Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal)
            .Select(file => (File: Path.GetFileName(file), Provider: ProviderOf(file)))
            .Where(p => !VerifiedProviders.Contains(p.Provider))
            .Select(p => $"{p.File} names provider '{p.Provider}', which no test in tests/Contracts.ProviderTests verifies")];

    private static string ProviderOf(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(file));
        return document.RootElement.GetProperty("provider").GetProperty("name").GetString()
            ?? throw new InvalidOperationException($"{file} has no provider name.");
    }
}
