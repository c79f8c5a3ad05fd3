using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Contracts.ProviderTests.Infrastructure;
using LedgerX.Pact;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// The gate works: a provider change that breaks what a consumer relies on fails verification. The committed
/// analytics-service pact (the rebuild pages through the ledger's events by each item's <c>sequence</c>) is verified
/// against transaction-service with one change, made in the test host only: the events page calls that field
/// <c>position</c>. <see cref="TransactionServiceHonoursItsConsumers"/> verifies the same pact against the unchanged
/// service, where it passes.
/// </summary>
public sealed class ARenamedFieldFailsVerification
{
    public const string ConsumerPact = "analytics-service-transaction-service.json";

    [Fact]
    public async Task RenamingTheLedgerEventsSequence_FailsAnalyticsServicesPact_NamingTheField()
    {
        var pact = Path.Combine(PactFiles.RepositoryPactDirectory(), ConsumerPact);
        Assert.True(File.Exists(pact), $"The gate is proven on the committed pact {pact}, which is missing: the consumer tests (tests/Contracts.ConsumerTests) write it.");

        await using var service = new ServiceWithRenamedEventSequence();
        await service.InitializeAsync();
        // The change is really there: the page carries position, not sequence.
        (await service.Client.PostAsJsonAsync(ProviderStateEndpoint.Path, new { state = "the ledger has posted a deposit", action = "setup" })).EnsureSuccessStatusCode();
        var page = await service.Client.GetFromJsonAsync<JsonElement>("/api/v1/ledger/events?after=0&limit=1");
        var names = page.GetProperty("items").EnumerateArray().SelectMany(e => e.EnumerateObject().Select(p => p.Name)).ToList();
        names.ShouldContain("position");
        names.ShouldNotContain("sequence");

        using var verifier = new PactVerifier(ProviderVersion.Provider, "gate-test")
            .WithHttpEndpoint(service.BaseAddress)
            .WithProviderStateUrl(service.ProviderStatesUrl)
            .WithFileSource(pact);
        var result = await verifier.VerifyAsync(TestContext.Current.CancellationToken);

        var report = service.Report(result);
        Assert.False(result.Passed, $"Verification passed although items[].sequence was renamed:\n{report}");
        // pact_ffi names the JSON path and the lost key, e.g. "$.items[0] -> Actual map is missing the following keys: sequence".
        result.Output.ShouldMatch(@"\$\.items\[\d+\] -> [^\n]*\bsequence\b", $"The failure should name the field the consumer lost:\n{report}");
        result.Output.ShouldContain("a request for the ledger's events from the start");
        result.Output.ShouldContain("a request for a page of the ledger's events with more to follow");
        // Only the interactions with items fail; the page past the end has no items to miss the field.
        result.Output.ShouldContain("There were 2 pact failures");
        TestContext.Current.TestOutputHelper?.WriteLine(result.Output);
    }

    /// <summary>transaction-service whose <c>GET /api/v1/ledger/events</c> answers each item's <c>sequence</c> as <c>position</c>:
    /// the kind of rename a provider might ship believing nobody reads the field. <see cref="BrokerModeEndToEnd"/> uses it too.</summary>
    internal sealed class ServiceWithRenamedEventSequence : TransactionServiceHost
    {
        protected override void AddTestOnlyChanges(IServiceCollection services) => services.AddSingleton<IStartupFilter, RenameSequence>();

        private sealed class RenameSequence : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use(async (http, inner) =>
                {
                    if (!HttpMethods.IsGet(http.Request.Method) || http.Request.Path != "/api/v1/ledger/events")
                    {
                        await inner(http);
                        return;
                    }
                    var original = http.Response.Body;
                    using var buffer = new MemoryStream();
                    http.Response.Body = buffer;
                    await inner(http);
                    http.Response.Body = original;
                    buffer.Position = 0;
                    var page = await JsonNode.ParseAsync(buffer, cancellationToken: http.RequestAborted);
                    if (page?["items"] is JsonArray items)
                    {
                        foreach (var item in items.OfType<JsonObject>())
                        {
                            if (item.Remove("sequence", out var sequence))
                            {
                                item["position"] = sequence;
                            }
                        }
                    }
                    var body = JsonSerializer.SerializeToUtf8Bytes(page);
                    http.Response.ContentLength = body.Length;
                    await original.WriteAsync(body, http.RequestAborted);
                });
                next(app);
            };
        }
    }
}
