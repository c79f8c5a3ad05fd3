namespace LedgerX.Transactions.Domain;

public enum HoldStatus { Pending, Posted, Voided, Expired }

/// <summary>
/// A pending transfer (two-phase): funds are reserved on <see cref="AccountId"/> and count against its available
/// balance until the hold is posted (fully or partly, to <see cref="ToAccountId"/>), voided, or expires.
/// </summary>
public sealed class Hold
{
    private Hold(HoldId id, AccountId accountId, AccountId toAccountId, Money amount, DateTimeOffset createdAt, DateTimeOffset expiresAt, string? description,
        ReversalId? reversalId)
    {
        Id = id;
        AccountId = accountId;
        ToAccountId = toAccountId;
        Amount = amount;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        Description = description;
        ReversalId = reversalId;
    }

    public HoldId Id { get; }
    public AccountId AccountId { get; }
    public AccountId ToAccountId { get; }
    public Money Amount { get; }
    public HoldStatus Status { get; private set; }
    public long PostedAmount { get; private set; }
    public EntryId? EntryId { get; private set; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset ExpiresAt { get; }
    public DateTimeOffset? ClosedAt { get; private set; }
    public string? Description { get; }
    /// <summary>The reversal that made this hold, which alone may void it or take it (null for a client's hold).</summary>
    public ReversalId? ReversalId { get; }

    public bool IsExpiredAt(DateTimeOffset now) => now >= ExpiresAt;

    public static Hold Restore(HoldId id, AccountId accountId, AccountId toAccountId, Money amount, HoldStatus status, long postedAmount,
        EntryId? entryId, DateTimeOffset createdAt, DateTimeOffset expiresAt, DateTimeOffset? closedAt, string? description, ReversalId? reversalId) =>
        new(id, accountId, toAccountId, amount, createdAt, expiresAt, description, reversalId)
        {
            Status = status, PostedAmount = postedAmount, EntryId = entryId, ClosedAt = closedAt,
        };

    internal static Hold Create(HoldId id, AccountId accountId, AccountId toAccountId, Money amount, DateTimeOffset createdAt, DateTimeOffset expiresAt,
        string? description, ReversalId? reversalId) =>
        new(id, accountId, toAccountId, amount, createdAt, expiresAt, description, reversalId);

    internal void MarkPosted(long postedAmount, EntryId entryId, DateTimeOffset at) =>
        (Status, PostedAmount, EntryId, ClosedAt) = (HoldStatus.Posted, postedAmount, entryId, at);

    internal void MarkVoided(DateTimeOffset at) => (Status, ClosedAt) = (HoldStatus.Voided, at);

    internal void MarkExpired(DateTimeOffset at) => (Status, ClosedAt) = (HoldStatus.Expired, at);
}
