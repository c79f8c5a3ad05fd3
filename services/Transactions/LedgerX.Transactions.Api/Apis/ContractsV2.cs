namespace LedgerX.Transactions.Api.Apis.V2;

// API v2's shapes: as v1's (Apis/Contracts.cs), except that every amount travels with its currency as one money object.
// The records keep v1's names, so the v2 OpenAPI document's schemas read the same (TransferRequest, AccountResponse).

/// <summary>An amount in minor units of an ISO 4217 currency (EUR 12.34 = <c>{ "amount": 1234, "currency": "EUR" }</c>).</summary>
public sealed record Money(long Amount, string Currency);

/// <summary>Money in a request; a missing or malformed part is reported by its path (<c>amount.currency</c>). Both parts
/// are required and never null, as the OpenAPI document says (a missing <c>amount</c> reads as 0, refused as not
/// positive; a missing <c>currency</c> as required): non-nullable here because the shared document transformer does not
/// reach schemas nested behind a nullable wrapper to say so.</summary>
public sealed record MoneyInput(long Amount, string Currency);

public sealed record MovementRequest(Guid? AccountId, MoneyInput? Amount, string? Description = null, string? Category = null,
    Dictionary<string, string>? Metadata = null);

public sealed record TransferRequest(Guid? FromAccountId, Guid? ToAccountId, MoneyInput? Amount, string? Description = null,
    string? Category = null, Dictionary<string, string>? Metadata = null);

public sealed record JournalEntryRequest(List<PostingInput>? Postings, string? Description = null, string? Category = null,
    Dictionary<string, string>? Metadata = null);

/// <summary>One line of a journal entry: <c>direction</c> is "debit" or "credit".</summary>
public sealed record PostingInput(Guid? AccountId, string? Direction, MoneyInput? Amount);

public sealed record CreateHoldRequest(Guid? AccountId, Guid? ToAccountId, MoneyInput? Amount, int? ExpiresInSeconds = null, string? Description = null);

public sealed record AccountResponse(Guid Id, string OwnerId, string Currency, string Kind, string Status, Money OverdraftLimit,
    Money Balance, Money HeldAmount, Money AvailableBalance, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset OpenedAt, long Version)
{
    public static AccountResponse From(Apis.AccountResponse a) => new(a.Id, a.OwnerId, a.Currency, a.Kind, a.Status, new(a.OverdraftLimit, a.Currency),
        new(a.Balance, a.Currency), new(a.HeldAmount, a.Currency), new(a.AvailableBalance, a.Currency), a.Metadata, a.OpenedAt, a.Version);
}

/// <param name="BalanceAfter">Null on another customer's account: whose balance it is is not the caller's business.</param>
public sealed record PostingResponse(Guid AccountId, string Direction, Money Amount, Money? BalanceAfter)
{
    public static PostingResponse From(Apis.PostingResponse p) =>
        new(p.AccountId, p.Direction, new(p.Amount, p.Currency), p.BalanceAfter is { } after ? new(after, p.Currency) : null);
}

public sealed record EntryResponse(Guid Id, long Sequence, string Kind, string? Description, string? Category,
    IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<PostingResponse> Postings, Guid? ReversesEntryId, Guid? HoldId, DateTimeOffset PostedAt)
{
    public static EntryResponse From(Apis.EntryResponse e) => new(e.Id, e.Sequence, e.Kind, e.Description, e.Category, e.Metadata,
        e.Postings.Select(PostingResponse.From).ToList(), e.ReversesEntryId, e.HoldId, e.PostedAt);
}

public sealed record HoldResponse(Guid Id, Guid AccountId, Guid ToAccountId, Money Amount, string Status, Money PostedAmount,
    Guid? EntryId, string? Description, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ClosedAt, Guid? ReversalId)
{
    public static HoldResponse From(Apis.HoldResponse h) => new(h.Id, h.AccountId, h.ToAccountId, new(h.Amount, h.Currency), h.Status,
        new(h.PostedAmount, h.Currency), h.EntryId, h.Description, h.CreatedAt, h.ExpiresAt, h.ClosedAt, h.ReversalId);
}

/// <summary>One posting in an account's history, newest first. <c>amount.amount</c> is signed: credits positive, debits negative.</summary>
public sealed record HistoryItem(Guid EntryId, long Sequence, string Kind, string Direction, Money Amount, Money BalanceAfter,
    string? Description, string? Category, DateTimeOffset PostedAt, IReadOnlyDictionary<string, string> Metadata)
{
    public static HistoryItem From(Apis.HistoryItem h) => new(h.EntryId, h.Sequence, h.Kind, h.Direction, new(h.Amount, h.Currency),
        new(h.BalanceAfter, h.Currency), h.Description, h.Category, h.PostedAt, h.Metadata);
}

public sealed record ReversalResponse(Guid Id, Guid EntryId, Guid AccountId, Guid CounterpartyAccountId, Money Amount, string Reason,
    bool RequiresApproval, string Status, IReadOnlyList<ReversalStepResponse> Steps, string? FailureReason, IReadOnlyList<string> Compensations,
    Guid? ReversalEntryId, DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt, string? DecidedBy)
{
    public static ReversalResponse From(Apis.ReversalResponse r) => new(r.Id, r.EntryId, r.AccountId, r.CounterpartyAccountId,
        new(r.Amount, r.Currency), r.Reason, r.RequiresApproval, r.Status, r.Steps, r.FailureReason, r.Compensations, r.ReversalEntryId,
        r.RequestedAt, r.UpdatedAt, r.DecidedBy);

    /// <summary>Back to v1's shape: what the saga's input is made from, whichever version the request came in.</summary>
    public Apis.ReversalResponse ToV1() => new(Id, EntryId, AccountId, CounterpartyAccountId, Amount.Amount, Amount.Currency, Reason,
        RequiresApproval, Status, Steps, FailureReason, Compensations, ReversalEntryId, RequestedAt, UpdatedAt, DecidedBy);
}
