namespace LedgerX.Transactions.Domain;

// Typed ids: an AccountId can never be passed where a HoldId is expected. UUIDv7 keeps inserts
// index-friendly (time-ordered) and makes ids sortable by creation.

public readonly record struct AccountId(Guid Value)
{
    public static AccountId New(TimeProvider clock) => new(Guid.CreateVersion7(clock.GetUtcNow()));
    public override string ToString() => Value.ToString();
}

public readonly record struct EntryId(Guid Value)
{
    public static EntryId New(TimeProvider clock) => new(Guid.CreateVersion7(clock.GetUtcNow()));
    public override string ToString() => Value.ToString();
}

public readonly record struct HoldId(Guid Value)
{
    public static HoldId New(TimeProvider clock) => new(Guid.CreateVersion7(clock.GetUtcNow()));
    public override string ToString() => Value.ToString();
}

public readonly record struct ReversalId(Guid Value)
{
    public static ReversalId New(TimeProvider clock) => new(Guid.CreateVersion7(clock.GetUtcNow()));
    public override string ToString() => Value.ToString();
}
