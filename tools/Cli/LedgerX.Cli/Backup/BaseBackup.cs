using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace LedgerX.Cli.Backup;

/// <summary>What <c>ledgerx backup</c> took: where, how big, how long, and how far behind the WAL archive was.</summary>
internal sealed record BackupResult(
    string Directory, long Bytes, TimeSpan Took, string StartWalFile, ArchiverStatus Archiver, IReadOnlyList<string> Pruned, int PrunedWalFiles);

/// <summary>pg_stat_archiver and archive_timeout: the archive's freshness bounds what a lost server takes with it (the RPO).</summary>
internal sealed record ArchiverStatus(string? LastArchivedWal, DateTimeOffset? LastArchivedAt, long FailedCount, string? LastFailedWal, string ArchiveTimeout);

/// <summary>
/// <c>ledgerx backup</c>: a physical base backup of the whole cluster (every service's database at one instant) with
/// <c>pg_basebackup</c>, checked with <c>pg_verifybackup</c> against its manifest, into <c>BACKUPS/base-UTC/</c>. With
/// the continuous WAL archive it is the starting point of a point-in-time restore (<see cref="PointInTimeRestore"/>).
/// Older backups beyond <c>keep</c> are deleted, and so is the WAL the oldest kept one no longer needs
/// (<c>pg_archivecleanup</c>), so the archive does not grow without bound. ADR 0026 says why physical and not dumps.
/// </summary>
internal sealed partial class BaseBackup(DevenvShell shell)
{
    public const string BackupPrefix = "base-";
    public const string LabelFile = "backup_label";
    public const string ManifestFile = "backup_manifest";

    /// <summary>pg_basebackup of a busy cluster of a few GB takes minutes on a loaded 2-core machine; an hour is a hang.</summary>
    private static readonly TimeSpan BackupTimeout = TimeSpan.FromHours(1);

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(30);

    public async Task<BackupResult> TakeAsync(int port, string backups, string walArchive, int keep, TimeProvider clock, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        await RequireArchivingAsync(port, walArchive, ct);
        Directory.CreateDirectory(backups);
        var started = clock.GetTimestamp();
        var target = Path.Combine(backups, BackupPrefix + clock.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        // -X stream: the WAL written during the copy travels with it, so the backup is consistent on its own even if the
        // archive were lost; -c fast: an immediate checkpoint instead of waiting for the next scheduled one.
        await shell.RunAsync("pg_basebackup",
            // The data directory holds the server's unix socket, which pg_basebackup rightly skips, saying so: noise.
            "\"$(pg_bindir)/pg_basebackup\" -h 127.0.0.1 -p \"$1\" -U \"$2\" -D \"$3\" -Fp -X stream -c fast -w -l 'ledgerx backup' 2> >(grep -v 'skipping special file' >&2)",
            [port.ToString(CultureInfo.InvariantCulture), ServerDirectory.Superuser, target], BackupTimeout, ct);
        await shell.RunAsync("pg_verifybackup", "\"$(pg_bindir)/pg_verifybackup\" -q \"$1\"", [target], ToolTimeout, ct);
        var took = clock.GetElapsedTime(started);
        var startWal = StartWalFile(await File.ReadAllTextAsync(Path.Combine(target, LabelFile), ct))
            ?? throw new BackupException($"{target}/{LabelFile} names no START WAL LOCATION");

        var (pruned, prunedWal) = await PruneAsync(backups, walArchive, keep, ct);
        return new BackupResult(target, DirectorySize(target), took, startWal, await ArchiverAsync(port, ct), pruned, prunedWal);
    }

    /// <summary>"START WAL LOCATION: 0/3000028 (file 000000010000000000000003)" → the file.</summary>
    public static string? StartWalFile(string backupLabel) => StartWal().Match(backupLabel) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>Base backups in BACKUPS, oldest first (their names sort by time).</summary>
    public static IReadOnlyList<string> List(string backups) =>
        Directory.Exists(backups)
            ? Directory.GetDirectories(backups, BackupPrefix + "*").Where(d => File.Exists(Path.Combine(d, ManifestFile))).Order(StringComparer.Ordinal).ToList()
            : [];

    public static async Task<ArchiverStatus> ArchiverAsync(int port, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ServerDirectory.ConnectionString(port));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT last_archived_wal, last_archived_time, failed_count, last_failed_wal, current_setting('archive_timeout') FROM pg_stat_archiver", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ArchiverStatus(
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
            reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetString(4));
    }

    /// <summary>A base backup without the WAL after it restores only to its own end: refuse unless the server archives into WAL-ARCHIVE.</summary>
    private static async Task RequireArchivingAsync(int port, string walArchive, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ServerDirectory.ConnectionString(port));
        try
        {
            await connection.OpenAsync(ct);
        }
        catch (NpgsqlException ex)
        {
            throw new BackupException($"PostgreSQL on 127.0.0.1:{port} does not answer ({ex.Message}); is the server running?");
        }
        await using var command = new NpgsqlCommand("SELECT current_setting('archive_mode'), current_setting('archive_command')", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (mode, archiveCommand) = (reader.GetString(0), reader.GetString(1));
        if (mode != "on" || !archiveCommand.Contains(walArchive, StringComparison.Ordinal))
        {
            throw new BackupException(
                $"the server does not archive WAL into {walArchive} (archive_mode={mode}, archive_command='{archiveCommand}'): start it with " +
                "LEDGERX_PG_WAL_ARCHIVE set (./ledgerx up does), or pass --wal-archive where it archives");
        }
    }

    private async Task<(IReadOnlyList<string> Backups, int WalFiles)> PruneAsync(string backups, string walArchive, int keep, CancellationToken ct)
    {
        var all = List(backups);
        var old = all.Take(Math.Max(0, all.Count - keep)).ToList();
        foreach (var backup in old)
        {
            Directory.Delete(backup, recursive: true);
        }

        var oldestKept = all.Skip(old.Count).FirstOrDefault();
        if (oldestKept is null || StartWalFile(await File.ReadAllTextAsync(Path.Combine(oldestKept, LabelFile), ct)) is not { } keepFrom)
        {
            return (old, 0);
        }

        int before = Directory.GetFiles(walArchive).Length;
        // Removes every segment (and .backup/.partial file) older than the oldest kept backup's start; timeline history
        // files stay, a restore needs them.
        await shell.RunAsync("pg_archivecleanup", "\"$(pg_bindir)/pg_archivecleanup\" \"$1\" \"$2\"", [walArchive, keepFrom], ToolTimeout, ct);
        return (old, before - Directory.GetFiles(walArchive).Length);
    }

    public static long DirectorySize(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    [GeneratedRegex(@"START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)")]
    private static partial Regex StartWal();
}
