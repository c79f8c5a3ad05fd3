using System.Globalization;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using LedgerX.Transactions.IntegrationTests.Ledger;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Observability;

/// <summary>
/// The outbox gauges at /metrics (what Prometheus scrapes) against the outbox rows of the ledger's own database. The
/// fixture runs without a sidecar, so nothing is published and every committed event stays in the outbox: the
/// pending gauge must count exactly those rows, and the lag must be the oldest one's age as of the relay's last look
/// (sampled once a second), so between its age a little before the scrape and its age after it.
/// </summary>
[Collection(nameof(MetricsRunAlone))]
public sealed class OutboxBacklogMetrics(LedgerApi api) : IClassFixture<LedgerApi>
{
    /// <summary>The relay samples every second; a loaded machine may be slower. A hang guard, not a timing assertion.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>How stale the sampled lag may be: the sample interval (1 s) plus a generous allowance for a loaded machine.</summary>
    private const double SampleStalenessSeconds = 15;

    [Fact]
    public async Task Pending_CountsTheUnsentOutboxRows_AndLag_IsTheOldestOnesAge()
    {
        var account = await api.OpenAccountAsync("outbox-metrics");
        await api.DepositAsync(account.Id, 10);
        await api.DepositAsync(account.Id, 20);
        await using var database = NpgsqlDataSource.Create(api.ConnectionString);

        long unsent = await ScalarAsync<long>(database, "SELECT count(*) FROM outbox WHERE sent_at IS NULL");
        unsent.ShouldBeGreaterThanOrEqualTo(2, "two deposits committed and nothing could publish them");
        var deadline = DateTimeOffset.UtcNow + Deadline;
        double pending;
        while ((pending = Gauge(await api.Client.GetStringAsync("/metrics"), "ledgerx_outbox_pending")) != unsent && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        pending.ShouldBe(unsent);
        const string oldestAge = "SELECT extract(epoch FROM now() - min(e.occurred_at))::float8 FROM outbox o JOIN event_log e USING (sequence) WHERE o.sent_at IS NULL";
        double before = await ScalarAsync<double>(database, oldestAge);
        double lag = Gauge(await api.Client.GetStringAsync("/metrics"), "ledgerx_outbox_lag_seconds");
        double after = await ScalarAsync<double>(database, oldestAge);
        lag.ShouldBeInRange(Math.Max(0, before - SampleStalenessSeconds), after);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The value of the one series of <paramref name="name"/> in Prometheus text format (labels, if any, skipped;
    /// a timestamp after the value ignored).</summary>
    private static double Gauge(string metrics, string name) =>
        metrics.Split('\n')
            .Where(line => line.StartsWith(name + " ", StringComparison.Ordinal) || line.StartsWith(name + "{", StringComparison.Ordinal))
            .Select(line => line[name.Length..])
            .Select(rest => rest.StartsWith('{') ? rest[(rest.IndexOf("} ", StringComparison.Ordinal) + 2)..] : rest)
            .Select(value => double.Parse(value.Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .Single();
}
