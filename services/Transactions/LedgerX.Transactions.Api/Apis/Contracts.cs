namespace LedgerX.Transactions.Api.Apis;

// The HTTP API's request and response shapes (camelCase JSON). Amounts are integers in minor units of `currency`
// (EUR 12.34 = 1234). Request fields are nullable so that a missing field is reported by name instead of silently
// defaulting to zero; the optional ones have a default, which is what the OpenAPI document's `required` lists are made
// from (and the shared document transformer marks every required field non-null, as the handlers refuse a null).

/// <summary>No owner field: the account belongs to the caller, the access token's <c>sub</c>.</summary>
public sealed record OpenAccountRequest(string? Currency, long? OverdraftLimit = null, Dictionary<string, string>? Metadata = null);

public sealed record FreezeAccountRequest(string? Reason);

/// <summary>A deposit into, or a withdrawal from, one account (the other side is the currency's world account).</summary>
public sealed record MovementRequest(Guid? AccountId, long? Amount, string? Currency, string? Description = null, string? Category = null,
    Dictionary<string, string>? Metadata = null);

public sealed record TransferRequest(Guid? FromAccountId, Guid? ToAccountId, long? Amount, string? Currency, string? Description = null,
    string? Category = null, Dictionary<string, string>? Metadata = null);

public sealed record JournalEntryRequest(List<PostingInput>? Postings, string? Description = null, string? Category = null,
    Dictionary<string, string>? Metadata = null);

/// <summary>One line of a journal entry: <c>direction</c> is "debit" or "credit".</summary>
public sealed record PostingInput(Guid? AccountId, string? Direction, long? Amount, string? Currency);

public sealed record CreateHoldRequest(Guid? AccountId, Guid? ToAccountId, long? Amount, string? Currency, int? ExpiresInSeconds = null,
    string? Description = null);

/// <summary>Posts a hold; without <c>amount</c> the whole held amount is posted.</summary>
public sealed record PostHoldRequest(long? Amount = null);

public sealed record AccountResponse(Guid Id, string OwnerId, string Currency, string Kind, string Status, long OverdraftLimit,
    long Balance, long HeldAmount, long AvailableBalance, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset OpenedAt, long Version);

/// <param name="BalanceAfter">Null on an account the caller does not own (the other party of a transfer, the world account):
/// another customer's balance is not the caller's business.</param>
public sealed record PostingResponse(Guid AccountId, string Direction, long Amount, string Currency, long? BalanceAfter);

public sealed record EntryResponse(Guid Id, long Sequence, string Kind, string? Description, string? Category,
    IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<PostingResponse> Postings, Guid? ReversesEntryId, Guid? HoldId, DateTimeOffset PostedAt);

/// <param name="ReversalId">The reversal whose saga made the hold; such a hold cannot be posted or voided through the API.</param>
public sealed record HoldResponse(Guid Id, Guid AccountId, Guid ToAccountId, long Amount, string Currency, string Status, long PostedAmount,
    Guid? EntryId, string? Description, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ClosedAt, Guid? ReversalId);

/// <summary>One posting in an account's history, newest first. <c>amount</c> is signed: credits positive, debits negative.</summary>
/// <param name="Metadata">The entry's metadata (keys in ordinal order), so a reader of the history can tell e.g. the
/// counterparty a client recorded without fetching every entry.</param>
public sealed record HistoryItem(Guid EntryId, long Sequence, string Kind, string Direction, long Amount, string Currency, long BalanceAfter,
    string? Description, string? Category, DateTimeOffset PostedAt, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A page of results; pass <c>nextCursor</c> as <c>after</c> to get the next page (null at the end).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>One event of the ledger's log, as stored: <c>payload</c> is the published event.</summary>
public sealed record LogEvent(long Sequence, Guid EventId, string Type, DateTimeOffset OccurredAt, System.Text.Json.JsonElement Payload, string Hash);

/// <summary>Reverse a posted entry, fully (no <c>amount</c>: all that is not reversed yet) or partly.</summary>
public sealed record ReversalRequest(Guid? EntryId, string? Reason, long? Amount = null);

/// <summary>An approver's answer to a reversal awaiting approval. Who decides is the access token's subject; a body that
/// still names one (<c>by</c>) is refused with 400, so an old client learns why.</summary>
public sealed record ApprovalRequest(bool? Approved);

/// <summary>A reversal and its saga's progress. <c>status</c>: pending, awaiting_approval, completed or failed.</summary>
/// <param name="DecidedBy">Who approved or rejected it (their token's subject); shown to staff (accounts:any) only.</param>
public sealed record ReversalResponse(Guid Id, Guid EntryId, Guid AccountId, Guid CounterpartyAccountId, long Amount, string Currency, string Reason,
    bool RequiresApproval, string Status, IReadOnlyList<ReversalStepResponse> Steps, string? FailureReason, IReadOnlyList<string> Compensations,
    Guid? ReversalEntryId, DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt, string? DecidedBy = null);

/// <summary>One step of a reversal saga: <c>outcome</c> is succeeded, failed, waiting, approved, rejected or timed_out.</summary>
public sealed record ReversalStepResponse(string Name, string Outcome, string? Detail, DateTimeOffset StartedAt, DateTimeOffset FinishedAt);
