using System.CommandLine;
using Spectre.Console;

namespace LedgerX.Cli;

/// <summary>How verbs are invoked: shared by Program.cs and the tests so both see the same behaviour.</summary>
internal static class CliInvocation
{
    /// <summary>Ctrl-C / SIGTERM cancel the verb's token; the verb then gets this long to tear down what it started
    /// (the service process, PostgreSQL) before the process is ended. 2 s (the default) is too short for pg_ctl stop.</summary>
    public static readonly TimeSpan TeardownGrace = TimeSpan.FromSeconds(60);

    public static InvocationConfiguration Configuration => new() { ProcessTerminationTimeout = TeardownGrace };

    /// <summary>Redirected output (logs, `tee`, CI) has no width; Spectre then assumes 80 columns and wraps the result
    /// tables into unreadable cells. Logs can take wide lines.</summary>
    public static void ConfigureConsole()
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = RedirectedWidth;
        }
    }

    private const int RedirectedWidth = 160;
}
