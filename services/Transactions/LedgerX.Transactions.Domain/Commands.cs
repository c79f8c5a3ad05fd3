namespace LedgerX.Transactions.Domain;

public enum EntryKind { Deposit, Withdrawal, Transfer, Journal, HoldPost, Reversal }

public enum Direction { Debit, Credit }

/// <summary>Free text and labels kept with an entry.</summary>
public sealed record EntryDetails(string? Description, string? Category, IReadOnlyDictionary<string, string> Metadata)
{
    public const int MaxDescriptionLength = 500;
    public const int MaxCategoryLength = 64;

    public static readonly EntryDetails None = new(null, null, LedgerMetadata.Empty);
}

/// <summary>One requested posting. A null <see cref="AccountId"/> means the world account of the posting's currency.
/// <see cref="Field"/> is the request field to blame if this posting is refused (e.g. "toAccountId", "postings[2].accountId").</summary>
public sealed record PostingRequest(AccountId? AccountId, Direction Direction, Money Money, string Field)
{
    /// <summary>The request field holding this posting's amount: "postings[2].amount" for "postings[2].accountId",
    /// otherwise the request's single "amount".</summary>
    public string AmountField => Field.EndsWith(".accountId", StringComparison.Ordinal) ? Field[..^"accountId".Length] + "amount" : "amount";
}

/// <summary>What can be asked of the ledger. Each command names the accounts and holds it reads, so a writer can load
/// exactly those (and lock them) before deciding.</summary>
public abstract record LedgerCommand
{
    public virtual IEnumerable<AccountId> Accounts => [];
    public virtual IEnumerable<Currency> WorldCurrencies => [];
    public virtual IEnumerable<HoldId> Holds => [];
    /// <summary>Posted entries the command decides on (reversals); the writer loads them with what was reversed of them.</summary>
    public virtual IEnumerable<EntryId> Entries => [];
}

public sealed record OpenAccount(string OwnerId, Currency Currency, long OverdraftLimit, IReadOnlyDictionary<string, string> Metadata) : LedgerCommand;

public sealed record FreezeAccount(AccountId AccountId, string Reason) : LedgerCommand
{
    public const int MaxReasonLength = 500;
    public override IEnumerable<AccountId> Accounts => [AccountId];
}

public sealed record UnfreezeAccount(AccountId AccountId) : LedgerCommand
{
    public override IEnumerable<AccountId> Accounts => [AccountId];
}

public sealed record CloseAccount(AccountId AccountId) : LedgerCommand
{
    public override IEnumerable<AccountId> Accounts => [AccountId];
}

/// <summary>Deposits, withdrawals, transfers, multi-posting journal entries and reversals are all one command. A reversal
/// may take the funds a pending hold reserved for it (<see cref="FromHoldId"/>): the hold is posted as this entry. Only a
/// reversal may name a world account by id (reversing a deposit or a withdrawal gives the money back the way it came).</summary>
public sealed record PostEntry(EntryKind Kind, IReadOnlyList<PostingRequest> Postings, EntryDetails Details, EntryId? ReversesEntryId = null,
    HoldId? FromHoldId = null) : LedgerCommand
{
    public const int MaxPostings = 100;
    public override IEnumerable<AccountId> Accounts => Postings.Where(p => p.AccountId is not null).Select(p => p.AccountId!.Value);
    public override IEnumerable<Currency> WorldCurrencies => Postings.Where(p => p.AccountId is null).Select(p => p.Money.Currency);
    public override IEnumerable<HoldId> Holds => FromHoldId is { } hold ? [hold] : [];
    public override IEnumerable<EntryId> Entries => ReversesEntryId is { } reversed ? [reversed] : [];
}

/// <summary>Reserves funds for a later transfer. <see cref="ForReversal"/> names the reversal whose saga takes this hold
/// before posting its reversing entry: like the reversal itself, it may reserve funds on a frozen account, and either side
/// may be a world account (the hold of a withdrawal's reversal is on it; a deposit's reversal holds funds for it). The
/// hold then belongs to that reversal: only it may void the hold, and only its reversing entry may take it.</summary>
/// <param name="RequestedAt">When the request arrived, if it asked for an expiry relative to then: the expiry is checked
/// against it, not against when the writer got to the command (a request may wait in a busy or stalled service).</param>
public sealed record CreateHold(AccountId AccountId, AccountId ToAccountId, Money Amount, DateTimeOffset ExpiresAt, string? Description,
    ReversalId? ForReversal = null, DateTimeOffset? RequestedAt = null) : LedgerCommand
{
    public override IEnumerable<AccountId> Accounts => [AccountId, ToAccountId];
}

/// <summary>Posts a pending hold; a null amount posts all of it, a smaller amount posts part and releases the rest. A
/// reversal's hold cannot be posted this way (its reversing entry takes it, <see cref="PostEntry.FromHoldId"/>).</summary>
public sealed record PostHold(HoldId HoldId, long? Amount) : LedgerCommand
{
    public override IEnumerable<HoldId> Holds => [HoldId];
}

/// <summary>Releases a pending hold. A reversal's hold may only be voided by that reversal (<see cref="ByReversal"/>: the
/// saga's compensation); clients never set it.</summary>
public sealed record VoidHold(HoldId HoldId, ReversalId? ByReversal = null) : LedgerCommand
{
    public override IEnumerable<HoldId> Holds => [HoldId];
}

public sealed record ExpireHold(HoldId HoldId) : LedgerCommand
{
    public override IEnumerable<HoldId> Holds => [HoldId];
}
