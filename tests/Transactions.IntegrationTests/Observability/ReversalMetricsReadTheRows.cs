using LedgerX.Testing;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Observability;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Observability;

/// <summary>
/// The reversal gauges and the duration histogram (<see cref="ReversalMetrics"/>) against a migrated ledger database
/// holding known reversal rows and nothing else (no service runs on it, so no saga moves them): each value is what
/// the rows say, ages on the reader's clock, and a finished reversal is counted once however often it is read.
/// </summary>
public sealed class ReversalMetricsReadTheRows : IAsyncLifetime
{
    private const string Unfinished = "ledgerx.reversals.unfinished";
    private const string OldestPendingAge = "ledgerx.reversals.oldest_pending_age";
    private const string Duration = "ledgerx.reversals.duration";

    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private NpgsqlDataSource _database = null!;
    private string _connectionString = "";

    public async ValueTask InitializeAsync()
    {
        _connectionString = await LedgerDatabases.CreateAsync("reversal_metrics");
        _database = NpgsqlDataSource.Create(_connectionString);
    }

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task UnfinishedByStatus_OldestPendingAge_AndEachFinishedDurationOnce_AreWhatTheRowsSay()
    {
        var ct = TestContext.Current.CancellationToken;
        var meters = MetricCapture.NewMeterFactory();
        using var capture = new MetricCapture(meters);
        var metrics = new ReversalMetrics(_database, _clock, meters, NullLogger<ReversalMetrics>.Instance);
        // Pending since 5 min and 1 min ago, one awaiting an approver for an hour (not "pending": its age is not a stuck
        // saga's), one completed after 35 s and one failed after 12 s since the reader started, and one completed before
        // it started (a restart must not count it again).
        await InsertAsync(ct,
            Row(ReversalStatus.Pending, requested: Now.AddMinutes(-10), updated: Now.AddMinutes(-5)),
            Row(ReversalStatus.Pending, requested: Now.AddMinutes(-2), updated: Now.AddMinutes(-1)),
            Row(ReversalStatus.AwaitingApproval, requested: Now.AddHours(-2), updated: Now.AddHours(-1)),
            Row(ReversalStatus.Completed, requested: Now.AddSeconds(-30), updated: Now.AddSeconds(5)),
            Row(ReversalStatus.Failed, requested: Now.AddSeconds(-10), updated: Now.AddSeconds(2)),
            Row(ReversalStatus.Completed, requested: Now.AddHours(-3), updated: Now.AddHours(-3).AddSeconds(20)));
        _clock.Advance(TimeSpan.FromSeconds(10));

        await metrics.PollOnceAsync(ct);

        capture.Gauge(Unfinished, ("status", ReversalStatus.Pending)).ShouldBe(2);
        capture.Gauge(Unfinished, ("status", ReversalStatus.AwaitingApproval)).ShouldBe(1);
        capture.Gauge(OldestPendingAge).ShouldBe(TimeSpan.FromMinutes(5).Add(TimeSpan.FromSeconds(10)).TotalSeconds, 0.001);
        (string Outcome, double Seconds)[] expected = [(ReversalStatus.Failed, 12), (ReversalStatus.Completed, 35)];
        Durations(capture).ShouldBe(expected);

        // Read again: nothing new finished, so nothing more is recorded.
        await metrics.PollOnceAsync(ct);
        Durations(capture).Count.ShouldBe(2);
    }

    /// <summary>Each test gets its own database (xUnit creates the class, and so runs InitializeAsync, per test).</summary>
    [Fact]
    public async Task WithNothingUnfinished_TheGaugesSayZero_NotNothing()
    {
        var meters = MetricCapture.NewMeterFactory();
        using var capture = new MetricCapture(meters);
        var metrics = new ReversalMetrics(_database, _clock, meters, NullLogger<ReversalMetrics>.Instance);
        await metrics.PollOnceAsync(TestContext.Current.CancellationToken);

        capture.Gauge(Unfinished, ("status", ReversalStatus.Pending)).ShouldBe(0);
        capture.Gauge(Unfinished, ("status", ReversalStatus.AwaitingApproval)).ShouldBe(0);
        capture.Gauge(OldestPendingAge).ShouldBe(0);
    }

    private static List<(string Outcome, double Seconds)> Durations(MetricCapture capture) =>
        [.. capture.Recorded(Duration).Select(r => (r.Tags["outcome"]!, r.Value))];

    private static ReversalRow Row(string status, DateTimeOffset requested, DateTimeOffset updated) => new()
    {
        Id = Guid.CreateVersion7(), EntryId = Guid.CreateVersion7(), AccountId = Guid.CreateVersion7(), CounterpartyAccountId = Guid.CreateVersion7(),
        Amount = 100, Currency = "EUR", Reason = "metrics test", Status = status, Steps = "{}", Compensations = "[]",
        RequestedAt = requested, UpdatedAt = updated,
    };

    private async Task InsertAsync(CancellationToken ct, params ReversalRow[] rows)
    {
        await using var db = Context();
        db.Set<ReversalRow>().AddRange(rows);
        await db.SaveChangesAsync(ct);
    }

    private LedgerDbContext Context() =>
        new(new DbContextOptionsBuilder<LedgerDbContext>().UseNpgsql(_connectionString).UseSnakeCaseNamingConvention().Options);
}
