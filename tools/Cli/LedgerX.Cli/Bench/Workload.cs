namespace LedgerX.Cli.Bench;

/// <summary>
/// The accounts one run moves money between, opened and funded through the API (as a client would), and the rule for
/// picking each transfer's pair. Funding is generous on purpose: the bench measures applied transfers, so refusals
/// for insufficient funds must stay rare (they are counted apart when they happen).
/// </summary>
internal sealed class Workload
{
    /// <summary>Uniform: each account gets this many transfers' worth. Balances do a random walk of about ±√n
    /// transfers; even 100,000 transfers per account stays within ±1,000 σ of this.</summary>
    public const long UniformFundingTransfers = 1_000_000;

    /// <summary>Hot: the source pays every transfer of the run. This rate is an upper bound no HTTP client here can
    /// reach, so the source cannot run dry before the run ends.</summary>
    public const int HotFundingRatePerSecond = 100_000;

    /// <summary>Opening accounts goes through the same writer; this many at a time keeps setup short without
    /// flooding the service's queue.</summary>
    private const int SetupParallelism = 32;

    private readonly Guid[] _accounts;
    private readonly Guid? _hotSource;

    private Workload(BenchMode mode, Guid[] accounts, Guid? hotSource, long fundingPerAccount)
    {
        Mode = mode;
        _accounts = accounts;
        _hotSource = hotSource;
        FundingPerAccount = fundingPerAccount;
    }

    public BenchMode Mode { get; }

    public int AccountCount => _accounts.Length;

    public long FundingPerAccount { get; }

    /// <summary>Opens and funds the run's accounts. Uniform: N accounts, each funded. Hot: N receiving accounts
    /// (unfunded) and one source funded for the whole run.</summary>
    public static async Task<Workload> SetUpAsync(LedgerApiClient api, BenchMode mode, int accounts, long amount, TimeSpan runLength,
        string runId, CancellationToken ct)
    {
        var ids = new Guid[accounts];
        var funding = mode == BenchMode.Uniform
            ? checked(amount * UniformFundingTransfers)
            : checked(amount * HotFundingRatePerSecond * (long)Math.Ceiling(runLength.TotalSeconds + 1));
        await Parallel.ForEachAsync(Enumerable.Range(0, accounts), new ParallelOptions { MaxDegreeOfParallelism = SetupParallelism, CancellationToken = ct },
            async (i, token) =>
            {
                ids[i] = await api.OpenAccountAsync(BenchSettings.Currency, token);
                if (mode == BenchMode.Uniform)
                {
                    await api.DepositAsync(ids[i], funding, BenchSettings.Currency, token);
                }
            });
        Guid? hot = null;
        if (mode == BenchMode.Hot)
        {
            hot = await api.OpenAccountAsync(BenchSettings.Currency, ct);
            await api.DepositAsync(hot.Value, funding, BenchSettings.Currency, ct);
        }
        return new Workload(mode, ids, hot, funding);
    }

    /// <summary>The next transfer's (from, to). Thread-safe: each client passes its own <see cref="Random"/>.</summary>
    public (Guid From, Guid To) NextPair(Random random)
    {
        if (_hotSource is { } source)
        {
            return (source, _accounts[random.Next(_accounts.Length)]);
        }
        var from = random.Next(_accounts.Length);
        // Distinct by construction: draw from the other N-1 and skip over `from`.
        var to = random.Next(_accounts.Length - 1);
        if (to >= from)
        {
            to++;
        }
        return (_accounts[from], _accounts[to]);
    }

    public static string Name(BenchMode mode) => mode.ToString().ToLowerInvariant();
}
