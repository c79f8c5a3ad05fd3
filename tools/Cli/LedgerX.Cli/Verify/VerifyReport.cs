namespace LedgerX.Cli.Verify;

/// <summary>The body of GET /api/v1/ledger/verify, as this client reads it (its own copy, not the service's type).</summary>
internal sealed record VerifyReport(bool Ok, long EventsChecked, int AccountsChecked, long LastSequence, Discrepancy? FirstDiscrepancy);

/// <summary>The first thing the ledger's verifier found wrong.</summary>
internal sealed record Discrepancy(string Kind, string Message, long? Sequence, Guid? AccountId, string? Expected, string? Actual);

/// <summary>What asking for a verification gave: a report, or why there is none.</summary>
internal abstract record VerifyOutcome
{
    private VerifyOutcome() { }

    public sealed record Answered(VerifyReport Report, TimeSpan Took) : VerifyOutcome;

    public sealed record Unreachable(Uri Url, string Reason) : VerifyOutcome;
}
