using LedgerX.Cli.Bench;
using LedgerX.Cli.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.CommandLine;

namespace LedgerX.Cli.Tests;

public sealed class BenchCommandParseRate
{
    private static ParseResult Parse(string line) => new RootCommand { BenchCommand.Create() }.Parse(line);

    [Fact]
    public void TakesAnArrivalRate()
    {
        var result = Parse("bench --rate 1000 --clients 256 --mode uniform");

        result.Errors.ShouldBeEmpty();
        result.GetValue<int?>("--rate").ShouldBe(1000);
    }

    [Fact]
    public void WithoutItTheBenchIsClosedLoop() => Parse("bench").GetValue<int?>("--rate").ShouldBeNull();

    [Theory]
    [InlineData("bench --rate 0", "--rate: 0 is out of range")]
    [InlineData("bench --rate 100001", "--rate: 100001 is out of range")]
    [InlineData("bench --rate 1000 --baseline", "do not go together")]
    public void RefusesWhatCannotBeMeasured(string line, string expected) =>
        Parse(line).Errors.ShouldHaveSingleItem().Message.ShouldContain(expected);
}

/// <summary>
/// The open loop against a stand-in ledger that can answer only one transfer at a time, slowly: arrivals keep their
/// schedule while the service falls behind, so each waits for a slot and its latency, counted from its scheduled time,
/// includes that wait. A closed loop (or an open loop timing from the send) would report only the service time.
/// </summary>
public sealed class LoadGeneratorOpenLoop
{
    private const int ServiceTimeMs = 50;

    [Fact]
    public async Task CountsTheWaitOfArrivalsTheServiceFellBehindOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ledger = await SlowLedger.StartAsync(ServiceTimeMs);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var api = new LedgerApiClient(http, ledger.BaseUrl, "token");
        var workload = await Workload.SetUpAsync(api, BenchMode.Uniform, accounts: 4, amount: 1, TimeSpan.FromSeconds(2), "open-loop", ct);

        // 100 arrivals/s offered over a 2 s window, one in flight, each answered after ≥ 50 ms: at most 20/s served.
        var generator = new LoadGenerator(api, workload, clients: 1, warmup: TimeSpan.Zero, duration: TimeSpan.FromSeconds(2), amount: 1, ratePerSecond: 100);
        var result = await generator.RunAsync(ct);

        result.OfferedPerSecond.ShouldBe(100);
        // Every arrival of the window is accounted for: answered, or still unsent when the window closed (the service
        // fell ~160 behind). The schedule did not bend to the service.
        (result.Applied + result.Unsent.ShouldNotBeNull()).ShouldBe(200);
        result.Unsent.Value.ShouldBeGreaterThan(100);
        ledger.Transfers.ShouldBe((int)result.Applied);
        result.Saturated.ShouldNotBeNull().ShouldBeGreaterThan(0);
        // Arrival k (due at k × 10 ms) is answered no sooner than (k + 1) × 50 ms, so it waited ≥ 40k + 50 ms, five service
        // times from k = 5 on: a lower bound the arithmetic implies, which a slower machine only raises. Timing from the
        // send would have reported about one service time.
        result.Applied.ShouldBeGreaterThan(5);
        result.Latency.MaxMs.ShouldBeGreaterThan(5 * ServiceTimeMs);
    }

    /// <summary>Kestrel on 127.0.0.1:0 answering the bench's calls; transfers one at a time, each after a pause.</summary>
    private sealed class SlowLedger : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _transfers;

        private SlowLedger(WebApplication app) => _app = app;

        public Uri BaseUrl => new(_app.Urls.Single() + "/");

        public int Transfers => Volatile.Read(ref _transfers);

        public static async Task<SlowLedger> StartAsync(int serviceTimeMs)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var ledger = new SlowLedger(app);
            var oneAtATime = new SemaphoreSlim(1, 1);
            app.MapPost("/api/v1/accounts", () => Results.Json(new { id = Guid.CreateVersion7() }, statusCode: 201));
            app.MapPost("/api/v1/deposits", () => Results.StatusCode(201));
            app.MapPost("/api/v1/transfers", async () =>
            {
                await oneAtATime.WaitAsync();
                try
                {
                    await Task.Delay(serviceTimeMs);
                    Interlocked.Increment(ref ledger._transfers);
                    return Results.StatusCode(201);
                }
                finally
                {
                    oneAtATime.Release();
                }
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            return ledger;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
