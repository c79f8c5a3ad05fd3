namespace LedgerX.Transactions.Domain;

/// <summary>
/// What the ledger remembers of a posted entry to decide reversals of it: what it credited per currency, and how much
/// of that has been reversed so far (reversals of it, minus reversals of those reversals, which compensate them). The
/// entry itself is immutable; only <see cref="LedgerState"/> moves <see cref="ReversedIn"/>, by applying events.
/// </summary>
public sealed class PostedEntry
{
    private readonly Dictionary<Currency, long> _credited;
    private readonly Dictionary<Currency, long> _reversed;

    private PostedEntry(EntryId id, EntryKind kind, EntryId? reversesEntryId, DateTimeOffset postedAt, AccountId? payer, AccountId? receiver,
        Dictionary<Currency, long> credited, Dictionary<Currency, long> reversed)
    {
        Id = id;
        Kind = kind;
        ReversesEntryId = reversesEntryId;
        PostedAt = postedAt;
        Payer = payer;
        Receiver = receiver;
        _credited = credited;
        _reversed = reversed;
    }

    public EntryId Id { get; }
    public EntryKind Kind { get; }
    public EntryId? ReversesEntryId { get; }
    public DateTimeOffset PostedAt { get; }
    /// <summary>The debited account of a two-posting, one-currency entry (null otherwise).</summary>
    public AccountId? Payer { get; }
    /// <summary>The credited account of a two-posting, one-currency entry (null otherwise): who received the money.</summary>
    public AccountId? Receiver { get; }
    public IReadOnlyDictionary<Currency, long> Credited => _credited;

    public long CreditedIn(Currency currency) => _credited.GetValueOrDefault(currency);
    public long ReversedIn(Currency currency) => _reversed.GetValueOrDefault(currency);
    public long RemainingIn(Currency currency) => CreditedIn(currency) - ReversedIn(currency);

    /// <summary>The one currency of a simple entry, if it has exactly one.</summary>
    public Currency? SingleCurrency => _credited.Count == 1 ? _credited.Keys.First() : null;

    /// <summary>Rebuilds an entry from stored state (persistence only).</summary>
    public static PostedEntry Restore(EntryId id, EntryKind kind, EntryId? reversesEntryId, DateTimeOffset postedAt, AccountId? payer,
        AccountId? receiver, IReadOnlyDictionary<Currency, long> credited, IReadOnlyDictionary<Currency, long> reversed) =>
        new(id, kind, reversesEntryId, postedAt, payer, receiver, new(credited), new(reversed));

    internal static PostedEntry From(EntryId id, EntryKind kind, EntryId? reversesEntryId, DateTimeOffset postedAt,
        IReadOnlyList<(AccountId Account, bool Credit, Money Money)> postings)
    {
        var credited = new Dictionary<Currency, long>();
        foreach (var (_, credit, money) in postings.Where(p => p.Credit))
        {
            credited[money.Currency] = checked(credited.GetValueOrDefault(money.Currency) + money.Amount);
        }
        var simple = postings.Count == 2 && credited.Count == 1;
        return new PostedEntry(id, kind, reversesEntryId, postedAt,
            simple ? postings.Single(p => !p.Credit).Account : null, simple ? postings.Single(p => p.Credit).Account : null, credited, []);
    }

    internal void Reverse(Currency currency, long amount) => _reversed[currency] = checked(ReversedIn(currency) + amount);
}
