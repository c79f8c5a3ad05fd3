namespace LedgerX.Cli.Verify;

/// <summary>The body of GET /api/v1/ledger/verify, as this client reads it (its own copy, not the service's type).</summary>
/// <remarks>The counts and the list are optional: an older service answers with the first discrepancy only.</remarks>
internal sealed record VerifyReport(bool Ok, long EventsChecked, int AccountsChecked, long LastSequence, Discrepancy? FirstDiscrepancy,
    long EntriesChecked = 0, long PostingsChecked = 0, long HoldsChecked = 0, long DiscrepancyCount = 0, IReadOnlyList<Discrepancy>? Discrepancies = null);

/// <summary>Something the ledger's verifier found wrong; for a stored row, the table, column and row that disagree with the log.</summary>
internal sealed record Discrepancy(string Kind, string Message, long? Sequence, Guid? AccountId, string? Expected, string? Actual,
    string? Table = null, string? Column = null, string? Row = null);

/// <summary>What asking for a verification gave: a report, or why there is none.</summary>
internal abstract record VerifyOutcome
{
    private VerifyOutcome() { }

    public sealed record Answered(VerifyReport Report, TimeSpan Took) : VerifyOutcome;

    public sealed record Unreachable(Uri Url, string Reason) : VerifyOutcome;
}
