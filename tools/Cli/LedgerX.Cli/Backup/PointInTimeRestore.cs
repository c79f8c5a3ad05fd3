using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace LedgerX.Cli.Backup;

/// <summary>What a restore did and how long each part took: the RTO's parts (docs/disaster-recovery.md).</summary>
internal sealed record RestoreResult(
    string Backup, RecoveryTarget Target, int Port, long BaseBytes, TimeSpan Copy, TimeSpan Replay, TimeSpan? Services, TimeSpan Total,
    DateTimeOffset? RecoveredTo, string Timeline, IReadOnlyList<OutboxResend.Resent> Resent);

/// <summary>
/// <c>ledgerx restore</c>: a fresh cluster from a base backup plus the WAL archive. Copies the backup into
/// <c>DIR/pgdata</c> (which must not hold a cluster: a restore never overwrites one), sets <c>restore_command</c> and the
/// target, starts the server through devenv.sh (on the port the directory remembers, so the services' connection strings
/// still hold), waits until recovery ends and the cluster is promoted, takes the recovery settings out again, marks the
/// outboxes' last minutes unsent (<see cref="OutboxResend"/>), and, if asked, waits until the services answer their
/// readiness probes. Each part is timed.
/// </summary>
internal sealed class PointInTimeRestore(DevenvShell shell)
{
    /// <summary>Replay of a day of WAL on a slow disk can take long; beyond this something is stuck.</summary>
    private static readonly TimeSpan ReplayTimeout = TimeSpan.FromHours(2);

    private static readonly TimeSpan CopyTimeout = TimeSpan.FromHours(1);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public async Task<RestoreResult> RestoreAsync(string backup, string walArchive, ServerDirectory into, RecoveryTarget target,
        IReadOnlyList<Uri> readyUrls, TimeSpan servicesTimeout, TimeSpan resendWindow, TimeProvider clock, CancellationToken ct)
    {
        Check(backup, walArchive, into);
        var started = clock.GetTimestamp();
        var settings = string.Join('\n', [
            "# ledgerx restore: recovery settings, reset once recovery has ended",
            .. target.Settings(walArchive),
            // The backup's postgresql.conf names the lost server's socket directory, which may be gone with it.
            $"unix_socket_directories = '{SocketDirectory(into)}'",
        ]) + "\n";
        await shell.RunAsync("copying the base backup",
            """
            user=$(pg_os_user)
            prepare_dir "$1" "$user"
            install -d -m 700 -o "$user" "$1/pgdata"
            cp -a "$2/." "$1/pgdata/"
            rm -f "$1/pgdata/postmaster.pid" "$1/pgdata/postmaster.opts"
            printf '%s' "$3" >>"$1/pgdata/postgresql.auto.conf"
            touch "$1/pgdata/recovery.signal"
            chown -R "$user" "$1/pgdata"
            """,
            [into.Root, backup, settings], CopyTimeout, ct);
        var copy = clock.GetElapsedTime(started);

        // devenv.sh start: the remembered port if still free, archiving the new timeline into the same archive (the
        // restored cluster is the one to back up next), Redis started if it is not running.
        var output = await shell.RunAsync("starting the restored cluster", "devenv_main start \"$1\"", [into.Root], StartTimeout, ct,
            new Dictionary<string, string> { ["LEDGERX_PG_WAL_ARCHIVE"] = walArchive });
        int port = into.RememberedPort ?? throw new BackupException($"devenv.sh started no server in {into.Root}: {output}");
        var (recoveredTo, timeline) = await WaitUntilPromotedAsync(port, into, ct);
        var resent = await OutboxResend.MarkUnsentAsync(port, resendWindow, ct);
        var replay = clock.GetElapsedTime(started) - copy;

        TimeSpan? services = null;
        if (readyUrls.Count > 0)
        {
            await WaitUntilReadyAsync(readyUrls, servicesTimeout, ct);
            services = clock.GetElapsedTime(started) - copy - replay;
        }

        return new RestoreResult(backup, target, port, BaseBackup.DirectorySize(backup), copy, replay, services, clock.GetElapsedTime(started), recoveredTo, timeline, resent);
    }

    /// <summary>The newest base backup in BACKUPS that started before TARGET (any, for the end of the archive).</summary>
    public static string? ChooseBackup(string backups, RecoveryTarget target) =>
        BaseBackup.List(backups).LastOrDefault(b => target is not RecoveryTarget.BeforeTime t || StartedAt(b) < t.At);

    private static DateTimeOffset StartedAt(string backup) =>
        DateTimeOffset.ParseExact(Path.GetFileName(backup)[BaseBackup.BackupPrefix.Length..], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal);

    private static void Check(string backup, string walArchive, ServerDirectory into)
    {
        if (!File.Exists(Path.Combine(backup, BaseBackup.ManifestFile)) || !File.Exists(Path.Combine(backup, BaseBackup.LabelFile)))
        {
            throw new BackupException($"{backup} is not a base backup of ledgerx backup (no {BaseBackup.ManifestFile} or {BaseBackup.LabelFile})");
        }

        if (!Path.IsPathFullyQualified(walArchive) || walArchive.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '\\') || !Directory.Exists(walArchive))
        {
            throw new BackupException($"the WAL archive {walArchive} must be an existing absolute path without spaces or quotes");
        }

        if (into.HasCluster)
        {
            throw new BackupException(
                $"{into.PgData} already holds a cluster: a restore goes into a fresh one. Stop that server and move its pgdata away first (docs/runbooks/disaster-recovery.md)");
        }
    }

    /// <summary>devenv.sh's rule (socket_dir_for): the data directory, unless the path is too long for a unix socket.</summary>
    private static string SocketDirectory(ServerDirectory into) => into.Root.Length + 25 < 100 ? into.PgData : "";

    /// <summary>Polls until the server leaves recovery (it promotes at the target or the archive's end), then takes the
    /// recovery settings out of postgresql.auto.conf. Returns the last replayed commit's time and the new timeline.</summary>
    private static async Task<(DateTimeOffset? RecoveredTo, string Timeline)> WaitUntilPromotedAsync(int port, ServerDirectory into, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ServerDirectory.ConnectionString(port));
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand(
                    "SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(), (SELECT timeline_id FROM pg_control_checkpoint())::text", connection);
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    await reader.ReadAsync(ct);
                    if (!reader.GetBoolean(0))
                    {
                        var recoveredTo = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
                        var timeline = reader.GetString(2);
                        await reader.CloseAsync();
                        foreach (var name in RecoveryTarget.RecoverySettingNames)
                        {
                            await using var reset = new NpgsqlCommand($"ALTER SYSTEM RESET {name}", connection);
                            await reset.ExecuteNonQueryAsync(ct);
                        }

                        return (recoveredTo, timeline);
                    }
                }
            }
            catch (NpgsqlException) when (deadline.Elapsed < ReplayTimeout)
            {
                // Still starting or not yet consistent (no connections before that), unless the server gave up: a
                // target the archive never reaches ends recovery with FATAL and the postmaster exits.
                if (!File.Exists(Path.Combine(into.PgData, "postmaster.pid")))
                {
                    throw new BackupException($"the restored server stopped during recovery; the end of {into.Root}/postgres.log:\n{LogTail(into)}");
                }
            }

            if (deadline.Elapsed >= ReplayTimeout)
            {
                throw new BackupException($"the restored cluster on port {port} was still recovering after {ReplayTimeout.TotalMinutes:F0} minutes");
            }

            await Task.Delay(Poll, ct);
        }
    }

    private static string LogTail(ServerDirectory into)
    {
        var log = Path.Combine(into.Root, "postgres.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(10)) : "(no postgres.log)";
    }

    private static async Task WaitUntilReadyAsync(IReadOnlyList<Uri> urls, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var pending = urls.ToList();
        var deadline = Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            foreach (var url in pending.ToList())
            {
                try
                {
                    using var response = await http.GetAsync(url, ct);
                    if (response.IsSuccessStatusCode)
                    {
                        pending.Remove(url);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    // Not answering yet.
                }
            }

            if (pending.Count > 0 && deadline.Elapsed >= timeout)
            {
                throw new BackupException($"the cluster is restored, but {string.Join(", ", pending)} did not answer within {timeout.TotalSeconds:F0} s");
            }

            if (pending.Count > 0)
            {
                await Task.Delay(Poll, ct);
            }
        }
    }
}
