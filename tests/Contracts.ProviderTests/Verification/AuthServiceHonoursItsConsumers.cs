using LedgerX.Contracts.ProviderTests.Infrastructure;
using LedgerX.Pact;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// auth-service verifies every pact that names it (the services' fetch of /.well-known/jwks, written by their
/// consumer tests as <c>&lt;service&gt;-auth-service.json</c>) against a fresh real auth-service. Until a consumer writes
/// one, the test skips, saying so; it never passes without verifying.
/// </summary>
public sealed class AuthServiceHonoursItsConsumers
{
    public const string Provider = "auth-service";

    public const string NoPactFiles = "(no pact file names auth-service)";

    public static TheoryData<string> Sources()
    {
        var files = PactFiles.ForProvider(PactFiles.RepositoryPactDirectory(), Provider);
        return files.Count == 0 ? [NoPactFiles] : [.. files.Select(Path.GetFileName).OfType<string>()];
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task VerifiesThePact(string source)
    {
        var directory = PactFiles.RepositoryPactDirectory();
        if (source == NoPactFiles)
        {
            Assert.Skip($"No pact file in {directory} names {Provider} yet: no consumer contract test calls auth-service.");
        }

        await using var service = new AuthServiceHost();
        await service.InitializeAsync();
        using var verifier = new PactVerifier(Provider, await ProviderVersion.CommitAsync() ?? "unknown")
            .WithHttpEndpoint(service.BaseAddress)
            .WithProviderStateUrl(service.ProviderStatesUrl)
            .WithFileSource(Path.Combine(directory, source));

        var result = await verifier.VerifyAsync(TestContext.Current.CancellationToken);

        Assert.True(result.Passed, $"{Provider} does not honour {source}:\n{result.Output}");
    }

    /// <summary>The harness itself works before any consumer writes a pact: a JWKS fetch as a resource server makes it
    /// (in a known provider state) passes, and a field auth-service does not serve fails.</summary>
    [Fact]
    public async Task TheHarnessVerifiesAJwksFetchAndCatchesAWrongOne()
    {
        var directory = Directory.CreateTempSubdirectory("ledgerx-auth-pacts-").FullName;
        try
        {
            var good = Path.Combine(directory, "some-service-auth-service.json");
            var bad = Path.Combine(directory, "other-service-auth-service.json");
            await File.WriteAllTextAsync(good, Pact("some-service", "kty", "RSA"));
            await File.WriteAllTextAsync(bad, Pact("other-service", "kty", "oct"));
            await using var service = new AuthServiceHost();
            await service.InitializeAsync();

            foreach (var (file, expected) in new[] { (good, true), (bad, false) })
            {
                using var verifier = new PactVerifier(Provider, "harness-test")
                    .WithHttpEndpoint(service.BaseAddress).WithProviderStateUrl(service.ProviderStatesUrl).WithFileSource(file);
                var result = await verifier.VerifyAsync(TestContext.Current.CancellationToken);
                Assert.True(result.Passed == expected, $"{Path.GetFileName(file)}: expected passed={expected}\n{result.Output}");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Pact(string consumer, string field, string value) => $$"""
        {
          "consumer": { "name": "{{consumer}}" },
          "provider": { "name": "auth-service" },
          "interactions": [{
            "type": "Synchronous/HTTP",
            "description": "a JWKS fetch",
            "providerStates": [{ "name": "auth-service has a signing key" }],
            "request": { "method": "GET", "path": "/.well-known/jwks" },
            "response": {
              "status": 200,
              "body": { "contentType": "application/json", "encoded": false, "content": { "keys": [{ "{{field}}": "{{value}}" }] } }
            }
          }],
          "metadata": { "pactSpecification": { "version": "4.0" } }
        }
        """;
}
