using System.Globalization;

namespace LedgerX.Cli.Backup;

/// <summary>
/// Where a point-in-time restore stops replaying the WAL archive: at its end (everything archived: the least data
/// lost), just before a point in time (an operator undoing a bad change), or just before a transaction commits
/// (a transaction id, as found in a row's xmin: precise, used by the recovery test).
/// </summary>
internal abstract record RecoveryTarget
{
    public sealed record EndOfArchive : RecoveryTarget;

    public sealed record BeforeTime(DateTimeOffset At) : RecoveryTarget;

    public sealed record BeforeTransaction(ulong Xid) : RecoveryTarget;

    public static readonly RecoveryTarget Latest = new EndOfArchive();

    /// <summary>"latest", an ISO 8601 time with its offset, or "xid:N".</summary>
    public static RecoveryTarget Parse(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0 || value.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return Latest;
        }

        if (value.StartsWith("xid:", StringComparison.OrdinalIgnoreCase) &&
            ulong.TryParse(value.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var xid))
        {
            return new BeforeTransaction(xid);
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return new BeforeTime(at);
        }

        throw new ArgumentException($"'{text}' is not a recovery target: use latest, a time such as 2026-12-07T18:50:00Z, or xid:N");
    }

    /// <summary>The recovery settings for postgresql.auto.conf. Exclusive targets: the named time or transaction is the
    /// first thing not restored. Promote at the target, so the restored cluster takes writes at once.</summary>
    public IReadOnlyList<string> Settings(string walArchive)
    {
        // Every target setting is written, the unused ones empty: the backup's own postgresql.auto.conf may carry an
        // earlier restore's, and the later line wins.
        var settings = new List<string>
        {
            $"restore_command = 'cp {walArchive}/%f %p'",
            "recovery_target_timeline = 'latest'",
            $"recovery_target_time = '{(this is BeforeTime t ? t.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00" : "")}'",
            $"recovery_target_xid = '{(this is BeforeTransaction x ? x.Xid.ToString(CultureInfo.InvariantCulture) : "")}'",
            "recovery_target_inclusive = off",
            "recovery_target_action = 'promote'",
        };
        return settings;
    }

    /// <summary>The settings a finished restore takes out again (ALTER SYSTEM RESET), so the next restart is an ordinary one.</summary>
    public static readonly IReadOnlyList<string> RecoverySettingNames =
    [
        "restore_command", "recovery_target_timeline", "recovery_target_time", "recovery_target_xid", "recovery_target_inclusive", "recovery_target_action",
    ];

    public sealed override string ToString() => this switch
    {
        BeforeTime t => $"before {t.At.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} UTC",
        BeforeTransaction x => $"before transaction {x.Xid}",
        _ => "end of the WAL archive",
    };
}
