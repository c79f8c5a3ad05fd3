using System.Globalization;
using System.Text.RegularExpressions;
using LedgerX.Cli.Backup;
using LedgerX.Cli.Chaos;
using LedgerX.Cli.Chaos.Invariants;
using LedgerX.Cli.Chaos.Load;
using LedgerX.Testing;
using Npgsql;
using Xunit;

namespace LedgerX.Chaos.Tests;

/// <summary>
/// The disaster-recovery procedure of docs/runbooks/disaster-recovery.md on the whole system of <c>./ledgerx chaos</c>
/// (its own PostgreSQL, archiving WAL): transfers, <c>ledgerx backup</c>, more transfers, still more that the restore
/// will lose; then the cluster is killed and its data directory deleted, and <c>ledgerx restore</c> recovers a fresh one
/// to just before the relay marked its last batch sent, while every service keeps running. After it the ledger
/// verifies, the outbox rows unsent at the recovery point and the last minutes before it are relayed, each consumer
/// holds every event once (the re-sent ones it had applied are counted as duplicates), and the analytics read models
/// rebuild to the ledger.
/// It runs on the collection's one system (<see cref="ChaosSystemUnderLoad"/>, archiving WAL since its start), after the
/// short chaos test (<see cref="OneSystemAtATime"/> orders it last), with a load and accounts of its own: what it
/// asserts about transfers and read models concerns only those, and what it asserts about the whole system (money,
/// verify, outbox, deliveries, notifications) must hold whatever ran before.
/// </summary>
[Collection(OneSystemAtATime.Name)]
public sealed partial class RestoreAfterLosingTheCluster(ChaosSystemUnderLoad fixture)
{
    private static readonly ChaosLoadSettings Load = new(Accounts: 4, TransferWorkers: 2, ReadsPerSecond: 2);

    /// <summary>Generous: delivery after a restore on a loaded 2-core machine (never a timing assertion).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(3);

    /// <summary>The gateway's analytics-rebuild route timeout (a minute), plus the way there and back.</summary>
    private static readonly TimeSpan RebuildTimeout = TimeSpan.FromSeconds(75);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private const int TransfersPerPhase = 15;
    private const int Redelivered = 5;

    [Fact]
    public async Task RecoversEveryServiceToOnePointWithTheLedgerVerifiedAndEveryEventOnceDownstream()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper;
        var root = RepositoryRoot.Directory.FullName;
        var system = fixture.System;
        // The short chaos test stops its load after each scenario; if it failed mid-scenario, its load would still run
        // here and keep the outbox from ever being drained at one moment.
        await fixture.Traffic.StopAsync();
        await using var load = await ChaosSystemUnderLoad.PrepareLoadAsync(system, Load, ct);
        var sources = new ChaosRunner(system, load, ChaosTimings.Default, TextWriter.Null).Sources();
        var shell = new DevenvShell(root);
        var servers = new ServerDirectory(system.Servers.Home);
        int port = servers.RememberedPort ?? throw new InvalidOperationException("no postgres.port");

        // Phase 1, then the base backup.
        var kept = await TransfersAsync(load, TransfersPerPhase, ct);
        await DrainedAsync(sources, ct);
        var backup = await new BaseBackup(shell).TakeAsync(port, Path.Combine(servers.Root, ServerDirectory.BackupsName), system.WalArchive, 3, TimeProvider.System, ct);
        output?.WriteLine($"backup: {backup.Directory}, {backup.Bytes} bytes in {backup.Took.TotalSeconds:F1}s");

        // Phase 2: its last relay pass (one transaction marking a batch sent) is the recovery target, excluded.
        kept.AddRange(await TransfersAsync(load, TransfersPerPhase, ct));
        await DrainedAsync(sources, ct);
        ulong relayMark = await ScalarAsync<ulong>(sources.Ledger, "SELECT xmin::text::bigint FROM outbox ORDER BY sequence DESC LIMIT 1", ct);
        long markedInThatPass = await ScalarAsync<long>(sources.Ledger, $"SELECT count(*) FROM outbox WHERE xmin::text = '{relayMark}'", ct);

        // Phase 3: written after the target, lost by the restore.
        var lost = await TransfersAsync(load, TransfersPerPhase, ct);
        await DrainedAsync(sources, ct);
        await ArchiveCurrentSegmentAsync(port, ct);

        var duplicatesBeforeTheLoss = await DuplicatesAsync(system, ct);

        // The disaster: the server dies and its data directory is gone. The services keep running.
        await shell.RunAsync("killing PostgreSQL", "as_pg_user \"$(pg_bindir)/pg_ctl\" stop -D \"$1/pgdata\" -m immediate -w -t 60 && rm -rf \"$1/pgdata\"",
            [servers.Root], TimeSpan.FromMinutes(2), ct);
        var restoreStarted = DateTimeOffset.UtcNow;
        var restored = await new PointInTimeRestore(shell).RestoreAsync(backup.Directory, system.WalArchive, servers,
            new RecoveryTarget.BeforeTransaction(relayMark), [.. system.RunFile.Apps.Select(a => new Uri(system.AppUrl(a.AppId), "readyz"))],
            TimeSpan.FromMinutes(10), OutboxResend.DefaultWindow, TimeProvider.System, ct);
        output?.WriteLine($"restore: copy {restored.Copy.TotalSeconds:F1}s, replay {restored.Replay.TotalSeconds:F1}s, services {restored.Services?.TotalSeconds:F1}s, " +
                          $"total {restored.Total.TotalSeconds:F1}s; recovered to {restored.RecoveredTo:O}");
        Assert.Equal(port, restored.Port);

        // The restored point: phases 1 and 2 there, phase 3 gone, the target pass's rows unsent and relayed again now.
        var check = new InvariantCheck(sources, kept, load.Accounts, Settle);
        var verdicts = new List<InvariantVerdict>
        {
            await check.AcknowledgedTransfersExactlyOnceAsync(ct),
            await check.MoneyConservedAsync(ct),
            await check.VerifyCleanAsync(ct),
            await check.OutboxDrainedAsync(ct),
            await check.EventsDeliveredOnceToEachConsumerAsync(ct),
            await check.ReadModelsConvergedAsync(ct),
            await check.NotificationsNotDuplicatedAsync(ct),
        };
        Assert.True(verdicts.All(v => v.Holds), Describe(verdicts));
        long lostFound = await ScalarAsync<long>(sources.Ledger, "SELECT count(*) FROM journal_entries WHERE id = ANY(@ids)", ct,
            lost.Where(t => t.EntryId is not null).Select(t => t.EntryId!.Value).ToArray());
        Assert.Equal(0, lostFound);
        long relayedAgain = await ScalarAsync<long>(sources.Ledger, "SELECT count(*) FROM outbox WHERE sent_at >= @since", ct, restoreStarted);
        Assert.True(relayedAgain >= markedInThatPass, $"{markedInThatPass} rows were unsent at the recovery point, {relayedAgain} relayed after the restore");

        // The restore sent the last minutes again: events the consumers had applied before the recovery point arrive
        // a second time and are dropped by their event-id check, counted as duplicates.
        await EventuallyAsync(async () => (await DuplicatesAsync(system, ct)).Zip(duplicatesBeforeTheLoss).All(p => p.First > p.Second),
            "fraud-service and analytics-service drop the events the restore sent again", ct);

        // The read models rebuild from the restored ledger's log and still agree with it.
        // The rebuild replays the whole log: its gateway route allows a minute, far beyond the load's 10-s requests (at
        // load average 88 it outlasted them), so it has a client of its own with the route's patience.
        using (var rebuildClient = new HttpClient { Timeout = RebuildTimeout })
        using (var rebuildRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(system.Gateway, "/api/v1/admin/rebuild")))
        {
            rebuildRequest.Headers.Authorization = load.Http.DefaultRequestHeaders.Authorization;
            using var rebuild = await rebuildClient.SendAsync(rebuildRequest, ct);
            Assert.True(rebuild.IsSuccessStatusCode, $"rebuild answered {(int)rebuild.StatusCode}: {await rebuild.Content.ReadAsStringAsync(ct)}");
        }

        Assert.True((await check.ReadModelsConvergedAsync(ct)).Holds, "read models after the rebuild");

        // Events consumed before are delivered again (a relay that crashed between publish and mark): each consumer
        // counts them as duplicates and holds each event once still.
        long processedBefore = await ProcessedAsync(sources, ct);
        var duplicatesBefore = await DuplicatesAsync(system, ct);
        await ExecuteAsync(sources.Ledger,
            $"UPDATE outbox SET sent_at = NULL WHERE sequence IN (SELECT sequence FROM outbox WHERE topic = '{InvariantCheck.PostedTopic}' ORDER BY sequence DESC LIMIT {Redelivered})", ct);
        await EventuallyAsync(async () => (await DuplicatesAsync(system, ct)).Zip(duplicatesBefore).All(p => p.First - p.Second >= Redelivered),
            "fraud-service and analytics-service count the re-delivered events as duplicates", ct);
        Assert.Equal(processedBefore, await ProcessedAsync(sources, ct));
        Assert.True((await check.EventsDeliveredOnceToEachConsumerAsync(ct)).Holds);
        Assert.True((await check.ReadModelsConvergedAsync(ct)).Holds, "read models after the re-delivery");
        Assert.True((await check.NotificationsNotDuplicatedAsync(ct)).Holds);
    }

    /// <summary>The load (closed loop through the gateway) until COUNT more transfers were acknowledged; its attempts.</summary>
    private static async Task<List<TransferAttempt>> TransfersAsync(ChaosLoad load, int count, CancellationToken ct)
    {
        int before = load.Transfers.Count(t => t.EntryId is not null);
        var seen = load.Transfers.ToHashSet();
        load.Start();
        await EventuallyAsync(() => Task.FromResult(load.Transfers.Count(t => t.EntryId is not null) - before >= count), $"{count} transfers acknowledged", ct);
        await load.StopAsync();
        // Every attempt, the ones cut short by the stop too: the exactly-once check knows every key the load used.
        return load.Transfers.Where(t => !seen.Contains(t)).ToList();
    }

    private static async Task DrainedAsync(InvariantSources sources, CancellationToken ct)
    {
        var check = new InvariantCheck(sources, [], [], Settle);
        var drained = await check.OutboxDrainedAsync(ct);
        var delivered = await check.EventsDeliveredOnceToEachConsumerAsync(ct);
        Assert.True(drained.Holds && delivered.Holds, $"{drained.Found}; {delivered.Found}");
    }

    /// <summary>Switches to a new WAL segment and waits until the finished one is archived, so the target is reachable.</summary>
    private static async Task ArchiveCurrentSegmentAsync(int port, CancellationToken ct)
    {
        var connection = ServerDirectory.ConnectionString(port);
        string segment = await ScalarAsync<string>(connection, "SELECT pg_walfile_name(pg_switch_wal())", ct);
        await EventuallyAsync(async () => string.CompareOrdinal((await BaseBackup.ArchiverAsync(port, ct)).LastArchivedWal, segment) >= 0,
            $"WAL segment {segment} archived", ct);
    }

    private static async Task<long> ProcessedAsync(InvariantSources sources, CancellationToken ct) =>
        await ScalarAsync<long>(sources.Fraud, "SELECT count(*) FROM processed_events", ct) +
        await ScalarAsync<long>(sources.Analytics, "SELECT count(*) FROM processed_events", ct) +
        await ScalarAsync<long>(sources.Notifications, "SELECT count(*) FROM intake_processed_events", ct);

    /// <summary>The consumers' own counts of deliveries they recognised as already processed (their /metrics).</summary>
    private static async Task<long[]> DuplicatesAsync(ChaosSystem system, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        async Task<long> Sum(string appId, string metric)
        {
            string text = await http.GetStringAsync(new Uri(system.AppUrl(appId), "metrics"), ct);
            return Regex.Matches(text, $@"^{metric}\{{[^}}]*outcome=""duplicate""[^}}]*\}}\s+(\S+)", RegexOptions.Multiline)
                .Sum(m => (long)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        return [await Sum(ChaosSystem.FraudAppId, "ledgerx_fraud_events_total"), await Sum(ChaosSystem.AnalyticsAppId, "ledgerx_analytics_events_total")];
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Settle);
        while (!await condition())
        {
            try
            {
                await Task.Delay(Poll, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Assert.Fail($"not within {Settle.TotalMinutes:F0} minutes: {what}");
            }
        }
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql, CancellationToken ct, object? parameter = null)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue(sql.Contains("@ids", StringComparison.Ordinal) ? "ids" : "since", parameter);
        }

        var value = await command.ExecuteScalarAsync(ct);
        return typeof(T) == typeof(ulong) ? (T)(object)Convert.ToUInt64(value, CultureInfo.InvariantCulture) : (T)value!;
    }

    private static async Task ExecuteAsync(string database, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Describe(IEnumerable<InvariantVerdict> verdicts) =>
        string.Join('\n', verdicts.Select(v => $"{(v.Holds ? "holds" : "FAILS")}: {v.Invariant}: {v.Found}"));
}
