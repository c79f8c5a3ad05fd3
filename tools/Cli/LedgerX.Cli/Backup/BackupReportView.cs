using System.Globalization;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Backup;

/// <summary>What backup and restore print: the figures docs/disaster-recovery.md records (sizes, durations, the archive's
/// freshness), with the machine's load average beside them.</summary>
internal static class BackupReportView
{
    public static void Render(IAnsiConsole console, BackupResult result, TimeProvider clock)
    {
        console.MarkupLine($"base backup [green]{Markup.Escape(result.Directory)}[/]: {Size(result.Bytes)} in {Seconds(result.Took)}, verified against its manifest");
        console.MarkupLine($"  restores from WAL segment {result.StartWalFile} on, with the archive");
        foreach (var pruned in result.Pruned)
        {
            console.MarkupLine($"  [grey]deleted the older backup {Markup.Escape(pruned)}[/]");
        }

        if (result.PrunedWalFiles > 0)
        {
            console.MarkupLine($"  [grey]deleted {result.PrunedWalFiles} archived WAL files older than the oldest kept backup[/]");
        }

        RenderArchiver(console, result.Archiver, clock);
        RenderLoad(console);
    }

    /// <summary>The RPO as it stands: a server lost now takes with it what was written since the last archived segment.</summary>
    public static void RenderArchiver(IAnsiConsole console, ArchiverStatus archiver, TimeProvider clock)
    {
        if (archiver.LastArchivedAt is { } at)
        {
            console.MarkupLine($"WAL archive: last segment {archiver.LastArchivedWal} archived {Seconds(clock.GetUtcNow() - at)} ago; " +
                               $"archive_timeout {archiver.ArchiveTimeout} bounds the data a lost server takes with it (RPO) while archiving keeps up");
        }
        else
        {
            console.MarkupLine("[yellow]WAL archive: nothing archived yet[/]");
        }

        if (archiver.FailedCount > 0)
        {
            console.MarkupLine($"[red]WAL archive: {archiver.FailedCount} failed attempts, last for {archiver.LastFailedWal}[/] (postgres.log says why)");
        }
    }

    public static void Render(IAnsiConsole console, RestoreResult result)
    {
        console.MarkupLine($"restored [green]{Markup.Escape(result.Backup)}[/] ({Size(result.BaseBytes)}) + WAL archive to the {Markup.Escape(result.Target.ToString())}, " +
                           $"timeline {result.Timeline}, PostgreSQL on 127.0.0.1:{result.Port}");
        console.MarkupLine(result.RecoveredTo is { } to
            ? $"  last restored transaction committed at {to.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} UTC: everything committed later is lost (the RPO)"
            : "  no transaction replayed from the archive: the cluster is as the base backup left it");
        foreach (var resent in result.Resent)
        {
            console.MarkupLine($"  {Markup.Escape(resent.Database)}: {resent.Rows} outbox rows of the last minutes before the recovery point marked unsent, to be sent again");
        }

        var table = new Table().AddColumns("part", "seconds");
        table.AddRow("copy the base backup", Seconds(result.Copy));
        table.AddRow("start, replay the WAL, promote, re-send marks", Seconds(result.Replay));
        if (result.Services is { } services)
        {
            table.AddRow("services ready again", Seconds(services));
        }

        table.AddRow("[bold]total (the RTO after the loss is noticed)[/]", Seconds(result.Total));
        console.Write(table);
        RenderLoad(console);
    }

    private static void RenderLoad(IAnsiConsole console)
    {
        if (MachineLoad.OneMinute() is { } load)
        {
            console.MarkupLine($"[grey]load average (1 min): {load.ToString("F2", CultureInfo.InvariantCulture)}[/]");
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";

    private static string Size(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB";
}
