namespace LedgerX.Cli.LiveLatency;

/// <summary>A `ledgerx live-latency` run as asked for on the command line, already validated.</summary>
/// <param name="GatewayUrl">The gateway's base URL: transfers and the WebSocket both go through it, as a client's do.</param>
/// <param name="Rate">Transfers started per second (open loop: a slow answer does not slow the schedule).</param>
/// <param name="Duration">How long transfers are started for; Rate × Duration transfers in all.</param>
/// <param name="FrameTimeout">How long after the last transfer's answer its frame may still arrive before it counts as lost.</param>
/// <param name="CustomerToken">The customer's access token: opens the two accounts, transfers, reads the live feed.</param>
/// <param name="FundingToken">A teller's token (ledger:fund): the one deposit that pays for every transfer.</param>
internal sealed record LiveLatencySettings(
    Uri GatewayUrl,
    double Rate,
    TimeSpan Duration,
    long Amount,
    TimeSpan FrameTimeout,
    string CustomerToken,
    string FundingToken,
    string? JsonPath)
{
    public const string Currency = "EUR";
    public const double MaxRate = 1_000;
    public const long MaxAmount = 1_000_000;

    /// <summary>How many transfers the run makes: one per 1/Rate second of the duration, at least one.</summary>
    public int Transfers => Math.Max(1, (int)Math.Round(Rate * Duration.TotalSeconds));
}
