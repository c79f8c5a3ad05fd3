namespace LedgerX.Transactions.Domain;

/// <summary>
/// Asks for (part of) a posted entry to be reversed: the receiver gives back <see cref="Amount"/> (null = all that is
/// not reversed yet) to the payer. Accepting it records the request; the reversal saga then moves the money.
/// </summary>
/// <param name="ReversibleSince">Entries posted before this are outside the reversal window.</param>
/// <param name="ApprovalThresholds">Amounts above the threshold of the entry's currency need an administrator's approval.</param>
public sealed record RequestReversal(ReversalId ReversalId, EntryId EntryId, long? Amount, string Reason, DateTimeOffset ReversibleSince,
    ApprovalThresholds ApprovalThresholds)
    : LedgerCommand
{
    public const int MaxReasonLength = 500;

    /// <summary>Kinds whose money went from one account to another, so the receiver can be asked to give it back. For a
    /// deposit the payer is the currency's world account (the money leaves the ledger again); for a withdrawal the
    /// receiver is (the money comes back in). Journal entries (any number of postings) and reversals themselves are not
    /// reversible: the first has no single payer and receiver, the second is undone by the saga's own compensation.</summary>
    public static readonly IReadOnlySet<EntryKind> ReversibleKinds =
        new HashSet<EntryKind> { EntryKind.Deposit, EntryKind.Withdrawal, EntryKind.Transfer, EntryKind.HoldPost };

    public override IEnumerable<EntryId> Entries => [EntryId];
}

/// <summary>
/// Approval thresholds in minor units, per currency: a raw number means very different sums across currencies (10,000.00
/// EUR is 1,000,000 minor units; 1,000,000 minor units of KWD, with 3 decimals, are 1,000 KWD), so each currency may
/// have its own, and the others use <see cref="Default"/>.
/// </summary>
public sealed record ApprovalThresholds(long Default, IReadOnlyDictionary<string, long> PerCurrency)
{
    /// <summary>One threshold for every currency.</summary>
    public static ApprovalThresholds Uniform(long threshold) => new(threshold, new Dictionary<string, long>());

    public long For(Currency currency) => PerCurrency.TryGetValue(currency.Code, out var threshold) ? threshold : Default;
}

/// <summary>The reversal saga posted <see cref="ReversalEntryId"/> and is done.</summary>
public sealed record CompleteReversal(ReversalId ReversalId, EntryId EntryId, EntryId ReversalEntryId, Money Amount) : LedgerCommand;

/// <summary>The reversal saga gave up; <see cref="Compensations"/> are what it undid, in the order it undid them.</summary>
public sealed record FailReversal(ReversalId ReversalId, EntryId EntryId, string Reason, IReadOnlyList<string> Compensations) : LedgerCommand
{
    public const int MaxReasonLength = 1000;
}
