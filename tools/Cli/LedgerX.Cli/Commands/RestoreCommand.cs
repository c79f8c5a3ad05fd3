using System.CommandLine;
using LedgerX.Cli.Backup;
using LedgerX.Cli.Chaos;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx restore`: a fresh cluster from the newest fitting base backup and the WAL archive, recovered to the
/// archive's end or a chosen point, each part timed (docs/runbooks/disaster-recovery.md). Exit 0 restored, 3 not.</summary>
internal static class RestoreCommand
{
    /// <summary>Services reconnect within seconds; minutes only on a loaded machine where one restarted.</summary>
    public static readonly TimeSpan ServicesTimeout = TimeSpan.FromMinutes(10);

    public static Command Create()
    {
        var server = new Option<string?>("--server-dir") { Description = "The devenv.sh directory to restore into (its pgdata must be gone). Default: ./ledgerx up's." };
        var from = new Option<string?>("--from") { Description = "The base backups. Default: SERVER-DIR/backups (the newest one older than the target is used)." };
        var backup = new Option<string?>("--backup") { Description = "This base backup, rather than the newest fitting one." };
        var archive = new Option<string?>("--wal-archive") { Description = "The WAL archive. Default: SERVER-DIR/wal-archive." };
        var target = new Option<string?>("--target") { Description = "latest (default: all archived WAL), a time (2026-12-07T18:50:00Z; restores what committed before it) or xid:N." };
        var ready = new Option<string[]>("--ready-url")
        {
            Description = "Wait until these answer 2xx and include that in the timing (repeatable), e.g. http://127.0.0.1:5100/readyz.",
            AllowMultipleArgumentsPerToken = true,
        };
        var resend = new Option<string?>("--resend-window")
        {
            Description = "Outbox rows sent this long before the recovery point are sent again (consumers drop what they had). Default: 10m.",
        };
        var command = new Command("restore", "Restore the PostgreSQL cluster into a fresh data directory from a base backup and the WAL archive (point-in-time recovery).")
        {
            server, from, backup, archive, target, ready, resend,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = AnsiConsole.Console;
            if (ChaosSession.FindRepositoryRoot() is not { } root)
            {
                console.MarkupLine("[red]error:[/] run from a checkout of LedgerX (tools/devenv/devenv.sh not found)");
                return ExitCodes.SetupFailed;
            }

            try
            {
                var directory = parse.GetValue(server) is { } s ? new ServerDirectory(Path.GetFullPath(s)) : ServerDirectory.Up(root, Environment.GetEnvironmentVariable);
                var recoveryTarget = RecoveryTarget.Parse(parse.GetValue(target));
                var backups = Path.GetFullPath(parse.GetValue(from) ?? directory.DefaultBackups);
                var chosen = parse.GetValue(backup) is { } b ? Path.GetFullPath(b) : PointInTimeRestore.ChooseBackup(backups, recoveryTarget)
                    ?? throw new BackupException($"no base backup in {backups} fits the {recoveryTarget}");
                var urls = (parse.GetValue(ready) ?? []).Select(u => new Uri(u, UriKind.Absolute)).ToList();
                var window = OutboxResend.DefaultWindow;
                if (parse.GetValue(resend) is { } text && !DurationParser.TryParse(text, out window, out var error))
                {
                    throw new ArgumentException($"--resend-window: {error}");
                }

                var result = await new PointInTimeRestore(new DevenvShell(root)).RestoreAsync(chosen,
                    Path.GetFullPath(parse.GetValue(archive) ?? directory.DefaultWalArchive), directory, recoveryTarget, urls, ServicesTimeout, window, TimeProvider.System, ct);
                BackupReportView.Render(console, result);
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is BackupException or ArgumentException or UriFormatException or TimeoutException)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.SetupFailed;
            }
        });
        return command;
    }
}
