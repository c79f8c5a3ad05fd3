namespace LedgerX.Cli.Common;

/// <summary>Exit codes shared by the verbs, so scripts can tell a broken ledger from an unreachable one.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The ledger answered and is inconsistent (verify found a discrepancy).</summary>
    public const int Discrepancy = 1;

    /// <summary>The ledger could not be reached or did not answer sensibly; nothing is known about its state.</summary>
    public const int Unreachable = 2;

    /// <summary>The verb's own setup failed (environment could not start, bad arguments caught late).</summary>
    public const int SetupFailed = 3;

    /// <summary>What the verb reads is not there: `./ledgerx logs` finds no logs, or `--follow` finds `./ledgerx up` not running.</summary>
    public const int NotRunning = 4;

    /// <summary>Cancelled by the user (Ctrl-C), as shells report SIGINT.</summary>
    public const int Cancelled = 130;
}
