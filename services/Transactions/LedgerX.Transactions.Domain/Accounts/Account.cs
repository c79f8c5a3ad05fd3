namespace LedgerX.Transactions.Domain;

public enum AccountKind { Customer, World }

public enum AccountStatus { Active, Frozen, Closed }

/// <summary>
/// An account's current state. Balance = Σ credits − Σ debits; <see cref="Held"/> is the sum of its pending
/// holds; <see cref="Available"/> is what can still be spent. Only the <see cref="LedgerState"/> changes it,
/// by applying events, so the state is always what the event log says.
/// </summary>
public sealed class Account
{
    private Account(AccountId id, string ownerId, Currency currency, AccountKind kind, long overdraftLimit,
        IReadOnlyDictionary<string, string> metadata, DateTimeOffset openedAt)
    {
        Id = id;
        OwnerId = ownerId;
        Currency = currency;
        Kind = kind;
        OverdraftLimit = overdraftLimit;
        Metadata = metadata;
        OpenedAt = openedAt;
    }

    public AccountId Id { get; }
    public string OwnerId { get; }
    public Currency Currency { get; }
    public AccountKind Kind { get; }
    public AccountStatus Status { get; private set; }
    /// <summary>How far below zero the available balance may go (0 = no overdraft).</summary>
    public long OverdraftLimit { get; }
    public long Balance { get; private set; }
    public long Held { get; private set; }
    public long Available => Balance - Held;
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public DateTimeOffset OpenedAt { get; }
    /// <summary>Number of events applied to this account; a cheap change marker for readers.</summary>
    public long Version { get; private set; }

    /// <summary>The owner id given to the per-currency world accounts.</summary>
    public const string WorldOwner = "ledgerx:world";

    /// <summary>Rebuilds an account from stored state (persistence only).</summary>
    public static Account Restore(AccountId id, string ownerId, Currency currency, AccountKind kind, AccountStatus status,
        long overdraftLimit, long balance, long held, IReadOnlyDictionary<string, string> metadata, DateTimeOffset openedAt, long version) =>
        new(id, ownerId, currency, kind, overdraftLimit, metadata, openedAt)
        {
            Status = status, Balance = balance, Held = held, Version = version,
        };

    internal static Account Open(AccountId id, string ownerId, Currency currency, AccountKind kind, long overdraftLimit,
        IReadOnlyDictionary<string, string> metadata, DateTimeOffset openedAt) =>
        new(id, ownerId, currency, kind, overdraftLimit, metadata, openedAt) { Version = 1 };

    /// <summary>Whether <paramref name="amount"/> more can leave the account without taking its available balance
    /// below −<see cref="OverdraftLimit"/>. World accounts have no floor: they stand for money outside the ledger.</summary>
    public bool CanSpend(long amount) => Kind == AccountKind.World || checked(Available - amount) >= -OverdraftLimit;

    internal void Credit(long amount) { Balance = checked(Balance + amount); Version++; }
    internal void Debit(long amount) { Balance = checked(Balance - amount); Version++; }
    internal void Reserve(long amount) { Held = checked(Held + amount); Version++; }
    internal void Release(long amount)
    {
        Held = checked(Held - amount);
        if (Held < 0)
        {
            throw new InvalidOperationException($"Account {Id} would hold a negative amount; the event log is inconsistent.");
        }
        Version++;
    }
    internal void ChangeStatus(AccountStatus status) { Status = status; Version++; }
}
