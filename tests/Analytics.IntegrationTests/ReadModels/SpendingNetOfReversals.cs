using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>
/// Spending nets reversals and their compensations, whatever order the events arrive in (pub/sub redelivery can
/// reorder them). The events are delivered to analytics-service's subscription endpoint as its sidecar would, shaped as
/// transaction-service writes them. It has its own analytics-service, database and sidecar (for its query cache), and no
/// ledger, because entries that are not in a ledger's log would make a rebuild elsewhere disagree.
/// </summary>
public sealed class SpendingNetOfReversals(AnalyticsAlone env) : IClassFixture<AnalyticsAlone>
{
    private HttpClient Analytics => env.Host.Client;

    private static readonly DateTimeOffset November = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset December = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AReversalArrivingBeforeItsEntry_StillTakesTheEntryOutOfItsOwnMonth()
    {
        var (payer, payee) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var transfer = Posted(1, "transfer", November, "electronics", null, (payer, "debit", 400), (payee, "credit", 400));
        var partial = Posted(2, "reversal", December, "reversal", transfer.EntryId, (payee, "debit", 150), (payer, "credit", 150));
        var kept = Posted(3, "transfer", November, "electronics", null, (payer, "debit", 70), (payee, "credit", 70));

        await PublishAsync(partial, transfer, kept);

        var lines = await SpendingAsync(payer, "2026-11", "2026-12");
        lines.ShouldBe([("2026-11", "electronics", 320L, 2L)]);
    }

    [Fact]
    public async Task ACompensatedReversal_GivesTheSpendingBack()
    {
        // The saga posted the reversing entry, then failed and compensated it: the money went to the payee after all.
        var (payer, payee) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var transfer = Posted(11, "transfer", November, "travel", null, (payer, "debit", 900), (payee, "credit", 900));
        var reversal = Posted(12, "reversal", December, "reversal", transfer.EntryId, (payee, "debit", 900), (payer, "credit", 900));
        var compensation = Posted(13, "reversal", December, "reversal", reversal.EntryId, (payer, "debit", 900), (payee, "credit", 900));

        await PublishAsync(transfer, reversal);
        (await SpendingAsync(payer, "2026-11", "2026-12")).ShouldBeEmpty();

        await PublishAsync(compensation);
        (await SpendingAsync(payer, "2026-11", "2026-12")).ShouldBe([("2026-11", "travel", 900L, 1L)]);
        (await SpendingAsync(payee, "2026-11", "2026-12")).ShouldBeEmpty();
    }

    private sealed record Entry(Guid EventId, Guid EntryId, object Payload);

    private static Entry Posted(long sequence, string kind, DateTimeOffset at, string category, Guid? reverses,
        params (Guid Account, string Direction, long Amount)[] postings)
    {
        var (eventId, entryId) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var payload = new
        {
            eventId, occurredAt = at, sequence = 1_000_000 + sequence, entryId, kind, category, reversesEntryId = reverses,
            metadata = new { },
            postings = postings.Select(p => new { accountId = p.Account, direction = p.Direction, amount = p.Amount, currency = "EUR", balanceAfter = 0L }),
        };
        return new Entry(eventId, entryId, payload);
    }

    private async Task PublishAsync(params Entry[] entries)
    {
        foreach (var e in entries)
        {
            var delivered = await Analytics.PostAsJsonAsync("/events/transaction-posted", e.Payload, LedgerAndAnalytics.Json);
            delivered.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, await delivered.Content.ReadAsStringAsync());
        }
    }

    private async Task<List<(string Month, string Category, long Amount, long Entries)>> SpendingAsync(Guid account, string from, string to)
    {
        var report = await Analytics.GetFromJsonAsync<JsonObject>(
            $"/api/v1/accounts/{account}/spending?fromMonth={from}&toMonth={to}", LedgerAndAnalytics.Json);
        return [.. report!["items"]!.AsArray().Select(i => (i!["month"]!.GetValue<string>(), i["category"]!.GetValue<string>(),
            i["amountMinor"]!.GetValue<long>(), i["entries"]!.GetValue<long>()))];
    }
}

/// <summary>analytics-service with its own sidecar (in-memory state store and pub/sub) and no ledger.</summary>
public sealed class AnalyticsAlone : IAsyncLifetime
{
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-analytics-alone-").FullName;
    private readonly InMemoryPubSubNetwork _network = new();
    private LocalDaprSidecar? _sidecar;

    public AnalyticsHost Host { get; } = new();

    public async ValueTask InitializeAsync()
    {
        foreach (var (name, type) in new[] { ("pubsub", "pubsub.in-memory"), ("statestore", "state.in-memory") })
        {
            await File.WriteAllTextAsync(Path.Combine(_resources, $"{name}.yaml"),
                $"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {type}\n  version: v1\n");
        }
        await Host.InitializeAsync();
        // Its own app id: the in-process invocation directory is shared with the other tests' sidecars.
        _sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "analytics-alone", AppPort = Host.Port, GrpcPort = Host.Sidecar.Grpc, HttpPort = Host.Sidecar.Http,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        await Host.DisposeAsync();
        await _network.DisposeAsync();
        Directory.Delete(_resources, recursive: true);
    }
}
