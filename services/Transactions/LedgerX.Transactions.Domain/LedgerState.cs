using LedgerX.Transactions.Domain.Events;

namespace LedgerX.Transactions.Domain;

/// <summary>
/// The part of the ledger a batch of commands works on: the accounts and holds they reference, and the head of the
/// event log. Events are the only way to change it (<see cref="Apply"/>), and it remembers what changed so a writer
/// can persist exactly that. The same <see cref="Apply"/> replays the whole log when the ledger is verified.
/// </summary>
/// <param name="rememberEntries">Whether applied entries are kept (for deciding reversals of them). A batch keeps the
/// few it posts; a replay of the whole log does not need them and would otherwise hold every entry in memory.</param>
public sealed class LedgerState(long lastSequence, bool rememberEntries = true)
{
    private readonly Dictionary<EntryId, PostedEntry> _entries = [];
    private readonly Dictionary<AccountId, Account> _accounts = [];
    private readonly Dictionary<Currency, Account> _worldAccounts = [];
    private readonly Dictionary<HoldId, Hold> _holds = [];
    private readonly HashSet<AccountId> _changedAccounts = [];
    private readonly HashSet<HoldId> _changedHolds = [];

    /// <summary>Sequence number of the last event in the log (0 when the log is empty).</summary>
    public long LastSequence { get; private set; } = lastSequence;

    public IEnumerable<Account> Accounts => _accounts.Values;
    public IEnumerable<Hold> Holds => _holds.Values;
    public IEnumerable<Account> ChangedAccounts => _changedAccounts.Select(id => _accounts[id]);
    public IEnumerable<Hold> ChangedHolds => _changedHolds.Select(id => _holds[id]);

    public void Load(Account account)
    {
        _accounts[account.Id] = account;
        if (account.Kind == AccountKind.World)
        {
            _worldAccounts[account.Currency] = account;
        }
    }

    public void Load(Hold hold) => _holds[hold.Id] = hold;

    public void Load(PostedEntry entry) => _entries[entry.Id] = entry;

    public Account? FindAccount(AccountId id) => _accounts.GetValueOrDefault(id);
    public Account? FindWorldAccount(Currency currency) => _worldAccounts.GetValueOrDefault(currency);
    public Hold? FindHold(HoldId id) => _holds.GetValueOrDefault(id);
    public PostedEntry? FindEntry(EntryId id) => _entries.GetValueOrDefault(id);

    /// <summary>Appends an event: gives it the next sequence number and applies it.</summary>
    public TEvent Append<TEvent>(TEvent e) where TEvent : LedgerEvent
    {
        var sequenced = e with { Sequence = LastSequence + 1 };
        Apply(sequenced);
        return sequenced;
    }

    /// <summary>Applies an event that already has its sequence number; it must be the next one in the log.</summary>
    public void Apply(LedgerEvent e)
    {
        if (e.Sequence != LastSequence + 1)
        {
            throw new InvalidOperationException($"Event {e.EventId} has sequence {e.Sequence}; expected {LastSequence + 1}.");
        }
        switch (e)
        {
            case AccountOpened o:
                var account = Account.Open(new AccountId(o.AccountId), o.OwnerId, Currency.Parse(o.Currency),
                    o.Kind == "world" ? AccountKind.World : AccountKind.Customer, o.OverdraftLimit, o.Metadata, o.OccurredAt);
                Load(account);
                _changedAccounts.Add(account.Id);
                break;
            case AccountFrozen f: ChangeStatus(f.AccountId, AccountStatus.Frozen); break;
            case AccountUnfrozen u: ChangeStatus(u.AccountId, AccountStatus.Active); break;
            case AccountClosed c: ChangeStatus(c.AccountId, AccountStatus.Closed); break;
            case TransactionPosted t:
                foreach (var p in t.Postings)
                {
                    var target = Existing(p.AccountId);
                    if (p.Direction == "credit") { target.Credit(p.Amount); } else { target.Debit(p.Amount); }
                    _changedAccounts.Add(target.Id);
                }
                RememberEntry(t);
                break;
            case HoldCreated h:
                var hold = Hold.Create(new HoldId(h.HoldId), new AccountId(h.AccountId), new AccountId(h.ToAccountId),
                    new Money(h.Amount, Currency.Parse(h.Currency)), h.OccurredAt, h.ExpiresAt, h.Description,
                    h.ReversalId is { } reversal ? new ReversalId(reversal) : null);
                _holds[hold.Id] = hold;
                _changedHolds.Add(hold.Id);
                Reserve(h.AccountId, h.Amount);
                break;
            case HoldPosted p:
                Close(p.HoldId, p.AccountId, p.Amount + p.ReleasedAmount).MarkPosted(p.Amount, new EntryId(p.EntryId), p.OccurredAt);
                break;
            case HoldVoided v:
                Close(v.HoldId, v.AccountId, v.Amount).MarkVoided(v.OccurredAt);
                break;
            case HoldExpired x:
                Close(x.HoldId, x.AccountId, x.Amount).MarkExpired(x.OccurredAt);
                break;
            // The saga's milestones are in the log (and published with it) but move no money.
            case ReversalRequested or ReversalCompleted or ReversalFailed:
                break;
            default:
                throw new InvalidOperationException($"Unknown ledger event {e.GetType().Name}.");
        }
        // Only once the event has been applied: an event that cannot be applied must not consume a sequence number.
        LastSequence = e.Sequence;
    }

    /// <summary>Counts a reversal against the entry it reverses; a reversal of a reversal (a compensation) gives the
    /// amount back to the entry that one reversed. Entries that are not loaded are not being decided on.</summary>
    private void RememberEntry(TransactionPosted t)
    {
        var postings = t.Postings.Select(p => (new AccountId(p.AccountId), p.Direction == "credit", new Money(p.Amount, Currency.Parse(p.Currency)))).ToList();
        var entry = PostedEntry.From(new EntryId(t.EntryId), Ledger.ParseKind(t.Kind), t.ReversesEntryId is { } r ? new EntryId(r) : null, t.OccurredAt, postings);
        if (rememberEntries)
        {
            _entries[entry.Id] = entry;
        }
        if (entry.ReversesEntryId is { } reversedId && _entries.GetValueOrDefault(reversedId) is { } reversed)
        {
            foreach (var (currency, amount) in entry.Credited)
            {
                reversed.Reverse(currency, amount);
                if (reversed.ReversesEntryId is { } undoneId && _entries.GetValueOrDefault(undoneId) is { } undone)
                {
                    undone.Reverse(currency, -amount);
                }
            }
        }
    }

    private Account Existing(Guid id) =>
        _accounts.GetValueOrDefault(new AccountId(id))
        ?? throw new InvalidOperationException($"Event refers to account {id}, which is not loaded.");

    private void ChangeStatus(Guid accountId, AccountStatus status)
    {
        var account = Existing(accountId);
        account.ChangeStatus(status);
        _changedAccounts.Add(account.Id);
    }

    private void Reserve(Guid accountId, long amount)
    {
        var account = Existing(accountId);
        account.Reserve(amount);
        _changedAccounts.Add(account.Id);
    }

    private Hold Close(Guid holdId, Guid accountId, long reserved)
    {
        var hold = _holds.GetValueOrDefault(new HoldId(holdId))
            ?? throw new InvalidOperationException($"Event refers to hold {holdId}, which is not loaded.");
        var account = Existing(accountId);
        account.Release(reserved);
        _changedAccounts.Add(account.Id);
        _changedHolds.Add(hold.Id);
        return hold;
    }
}
