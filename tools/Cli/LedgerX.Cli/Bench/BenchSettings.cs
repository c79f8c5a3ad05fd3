namespace LedgerX.Cli.Bench;

internal enum BenchMode
{
    /// <summary>Random distinct pairs among all accounts: little lock contention, the ledger's best case.</summary>
    Uniform,

    /// <summary>Every transfer debits one account: every batch touches the same row, the ledger's worst case.</summary>
    Hot,
}

/// <summary>A bench run as asked for on the command line, already validated.</summary>
internal sealed record BenchSettings(
    Uri? Url,
    IReadOnlyList<BenchMode> Modes,
    int Accounts,
    IReadOnlyList<int> Clients,
    TimeSpan Duration,
    TimeSpan Warmup,
    long Amount,
    string? JsonPath,
    IReadOnlyDictionary<string, string> ServiceSettings,
    string? ServiceDll = null,
    string? Token = null,
    bool Baseline = false,
    IReadOnlyDictionary<string, string>? PostgresSettings = null,
    int? Rate = null,
    bool Sidecar = false)
{
    public const string Currency = "EUR";

    public const int MaxAccounts = 100_000;
    public const int MaxClients = 1024;
    public const long MaxAmount = 1_000_000_000;

    /// <summary>Open loop: far above what the 2 cores here can answer, low enough that the dispatcher keeps its schedule.</summary>
    public const int MaxRate = 100_000;
}
