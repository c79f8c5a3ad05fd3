using System.Collections.Concurrent;
using System.Text.Json;
using LedgerX.Cli.Chaos;
using LedgerX.Cli.Chaos.Load;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.Cli.Tests.Chaos;

/// <summary>The chaos load asks for reversals of the transfers it had acknowledged (each at most once, each with its own
/// key), records what was accepted, and re-sends a reversal whose outcome it never learnt with the same key.</summary>
public sealed class ChaosLoadReversals : IAsyncLifetime
{
    private WebApplication? _gateway;
    private readonly ConcurrentDictionary<string, Guid> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Key, Guid EntryId)> _reversals = new();
    private int _reversalCalls;

    /// <summary>Answer 503 to the first reversal request (as the gateway does with the ledger away).</summary>
    private bool _firstReversalUnavailable;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _gateway = builder.Build();
        _gateway.MapPost("/api/v1/accounts", () => Results.Json(new { id = Guid.NewGuid() }, statusCode: 201));
        _gateway.MapPost("/api/v1/deposits", () => Results.Json(new { id = Guid.NewGuid() }, statusCode: 201));
        _gateway.MapPost("/api/v1/transfers", (HttpRequest request) =>
            Results.Json(new { id = _entries.GetOrAdd(request.Headers["Idempotency-Key"].ToString(), _ => Guid.NewGuid()) }, statusCode: 201));
        _gateway.MapPost("/api/v1/reversals", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (Interlocked.Increment(ref _reversalCalls) == 1 && _firstReversalUnavailable)
            {
                return Results.StatusCode(503);
            }

            _reversals.Enqueue((request.Headers["Idempotency-Key"].ToString(), body.RootElement.GetProperty("entryId").GetGuid()));
            return Results.Json(new { id = Guid.NewGuid(), status = "pending" }, statusCode: 202);
        });
        _gateway.MapGet("/{**rest}", () => Results.Json(new { ok = true }));
        await _gateway.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }
    }

    private async Task<ChaosLoad> LoadAsync(double reversalsPerSecond) =>
        await ChaosLoad.PrepareAsync(new HttpClient { BaseAddress = new Uri(_gateway!.Urls.Single() + "/"), Timeout = ChaosLoad.RequestTimeout },
            new ChaosLoadSettings(Accounts: 3, TransferWorkers: 1, ReadsPerSecond: 5, ReversalsPerSecond: reversalsPerSecond), TestContext.Current.CancellationToken);

    private static async Task UntilAsync(Func<bool> done, string what)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        while (!done())
        {
            Assert.False(patience.IsCancellationRequested, $"not within 30 s: {what}");
            await Task.Delay(20, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Each_acknowledged_transfer_is_reversed_at_most_once_under_a_key_of_its_own()
    {
        await using var load = await LoadAsync(reversalsPerSecond: 50);

        load.Start();
        await UntilAsync(() => load.Reversals.Count(r => r.ReversalId is not null) >= 5, "5 reversals accepted");
        await load.StopAsync();

        var acknowledged = load.Transfers.Where(t => t.EntryId is not null).Select(t => t.EntryId!.Value).ToHashSet();
        var accepted = load.Reversals.Where(r => r.ReversalId is not null).ToList();
        Assert.All(accepted, r => Assert.Contains(r.EntryId, acknowledged));
        Assert.Equal(accepted.Count, accepted.Select(r => r.EntryId).Distinct().Count());
        Assert.Equal(load.Reversals.Count, load.Reversals.Select(r => r.Key).Distinct().Count());
        // The gateway saw each accepted one under the key the load recorded (a request cut short by the stop may add one).
        Assert.All(accepted, r => Assert.Contains((r.Key, r.EntryId), _reversals));
        Assert.Contains(load.SamplesBetween(0, load.NowMs + 1), s => s.Route == RouteDependencies.Reversal.Name && s.Status == 202);
    }

    [Fact]
    public async Task Without_a_reversal_rate_the_load_asks_for_none()
    {
        await using var load = await LoadAsync(reversalsPerSecond: 0);

        load.Start();
        await UntilAsync(() => load.Transfers.Count(t => t.EntryId is not null) >= 20, "20 transfers acknowledged");
        await load.StopAsync();

        Assert.Empty(load.Reversals);
        Assert.Equal(0, Volatile.Read(ref _reversalCalls));
    }

    [Fact]
    public async Task A_reversal_whose_outcome_is_unknown_is_sent_again_with_its_key()
    {
        _firstReversalUnavailable = true;
        await using var load = await LoadAsync(reversalsPerSecond: 50);

        load.Start();
        await UntilAsync(() => load.Reversals.Any(r => r.LastStatus == 503) && load.Reversals.Any(r => r.ReversalId is not null), "a 503 and an acceptance");
        await load.StopAsync();
        var unknown = load.Reversals.Single(r => r.LastStatus == 503);
        Assert.True(unknown.OutcomeUnknown);

        await load.SendReversalAsync(unknown, TestContext.Current.CancellationToken);

        Assert.False(unknown.OutcomeUnknown);
        Assert.Contains((unknown.Key, unknown.EntryId), _reversals);
    }
}
