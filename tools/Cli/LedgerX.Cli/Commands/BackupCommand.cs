using System.CommandLine;
using LedgerX.Cli.Backup;
using LedgerX.Cli.Chaos;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx backup`: a verified physical base backup of the running cluster (every service's database at one
/// instant), old backups and the WAL they alone needed pruned, and the WAL archive's freshness (docs/disaster-recovery.md).
/// Exit 0 done, 3 when it could not be taken.</summary>
internal static class BackupCommand
{
    public const int DefaultKeep = 3;

    public static Command Create()
    {
        var server = new Option<string?>("--server-dir") { Description = "The server's devenv.sh directory. Default: ./ledgerx up's (.ledgerx, or $LEDGERX_UP_DIR)." };
        var to = new Option<string?>("--to") { Description = "Where base backups go. Default: SERVER-DIR/backups." };
        var archive = new Option<string?>("--wal-archive") { Description = "Where the server archives WAL. Default: SERVER-DIR/wal-archive." };
        var keep = new Option<int>("--keep") { Description = $"Base backups to keep (older ones and the WAL only they needed are deleted). Default: {DefaultKeep}.", DefaultValueFactory = _ => DefaultKeep };
        var command = new Command("backup", "Take a verified base backup of the whole PostgreSQL cluster for point-in-time recovery with the WAL archive.")
        {
            server, to, archive, keep,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = AnsiConsole.Console;
            if (ChaosSession.FindRepositoryRoot() is not { } root)
            {
                console.MarkupLine("[red]error:[/] run from a checkout of LedgerX (tools/devenv/devenv.sh not found)");
                return ExitCodes.SetupFailed;
            }

            var directory = parse.GetValue(server) is { } s ? new ServerDirectory(Path.GetFullPath(s)) : ServerDirectory.Up(root, Environment.GetEnvironmentVariable);
            if (directory.RememberedPort is not { } port)
            {
                console.MarkupLine($"[red]error:[/] no server in {Markup.Escape(directory.Root)} (no postgres.port); start it (./ledgerx up) or pass --server-dir");
                return ExitCodes.SetupFailed;
            }

            try
            {
                var result = await new BaseBackup(new DevenvShell(root)).TakeAsync(port,
                    Path.GetFullPath(parse.GetValue(to) ?? directory.DefaultBackups), Path.GetFullPath(parse.GetValue(archive) ?? directory.DefaultWalArchive),
                    parse.GetValue(keep), TimeProvider.System, ct);
                BackupReportView.Render(console, result, TimeProvider.System);
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is BackupException or ArgumentOutOfRangeException or TimeoutException)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.SetupFailed;
            }
        });
        return command;
    }
}
