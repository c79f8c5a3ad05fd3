using System.Globalization;
using System.Text;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.Transactions.UnitTests.Support;

/// <summary>
/// An empty ledger driven by a fake clock, with shorthands for the commands the tests repeat. It keeps every emitted
/// event (the log), so tests can check sequences and replay it, and every hold id it created, so a snapshot of the
/// state covers holds too.
/// </summary>
internal sealed class LedgerWithClock
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);
    public static readonly Currency Eur = Currency.Parse("EUR");
    public static readonly Currency Usd = Currency.Parse("USD");
    public static readonly Currency Jpy = Currency.Parse("JPY");

    private readonly List<LedgerEvent> _log = [];
    private readonly List<HoldId> _holds = [];

    public LedgerWithClock()
    {
        State = new LedgerState(lastSequence: 0);
        Ledger = new Ledger(State, Clock);
    }

    public FakeTimeProvider Clock { get; } = new(Start);
    public LedgerState State { get; }
    public Ledger Ledger { get; }
    public IReadOnlyList<LedgerEvent> Log => _log;

    public IReadOnlyList<LedgerEvent> Execute(LedgerCommand command)
    {
        var events = Ledger.Execute(command);
        _log.AddRange(events);
        foreach (var created in events.OfType<HoldCreated>())
        {
            _holds.Add(new HoldId(created.HoldId));
        }
        return events;
    }

    /// <summary>Runs a command that must be refused, checks that it changed nothing at all, and returns why it was refused.</summary>
    public LedgerError Refuses(LedgerCommand command)
    {
        var before = Snapshot();
        var refused = Should.Throw<LedgerRuleException>(() => Execute(command));
        Snapshot().ShouldBe(before, "a refused command must leave the state exactly as it was");
        return refused.Error;
    }

    public AccountId Open(string ownerId = "customer-1", Currency? currency = null, long overdraftLimit = 0) =>
        new(Execute(Commands.Open(ownerId, currency ?? Eur, overdraftLimit)).OfType<AccountOpened>().Single().AccountId);

    public AccountId OpenFunded(long balance, string ownerId = "customer-1", Currency? currency = null, long overdraftLimit = 0)
    {
        var id = Open(ownerId, currency, overdraftLimit);
        Deposit(id, balance, currency);
        return id;
    }

    public TransactionPosted Deposit(AccountId to, long amount, Currency? currency = null) =>
        Execute(Commands.Deposit(to, amount, currency ?? Eur)).OfType<TransactionPosted>().Single();

    public TransactionPosted Withdraw(AccountId from, long amount, Currency? currency = null) =>
        Execute(Commands.Withdraw(from, amount, currency ?? Eur)).OfType<TransactionPosted>().Single();

    public TransactionPosted Transfer(AccountId from, AccountId to, long amount, Currency? currency = null) =>
        Execute(Commands.Transfer(from, to, amount, currency ?? Eur)).OfType<TransactionPosted>().Single();

    public HoldId Hold(AccountId from, AccountId to, long amount, TimeSpan? expiresIn = null, Currency? currency = null) =>
        new(Execute(Commands.Hold(from, to, amount, Clock.GetUtcNow() + (expiresIn ?? TimeSpan.FromHours(1)), currency ?? Eur))
            .OfType<HoldCreated>().Single().HoldId);

    public Account Account(AccountId id) => State.FindAccount(id) ?? throw new InvalidOperationException($"Account {id} is not loaded.");

    public Account World(Currency currency) =>
        State.FindWorldAccount(currency) ?? throw new InvalidOperationException($"No world account for {currency}.");

    public Hold HoldOf(HoldId id) => State.FindHold(id) ?? throw new InvalidOperationException($"Hold {id} is not loaded.");

    public IReadOnlyList<HoldId> Holds => _holds;

    /// <summary>Σ balances per currency over every account the state knows, world accounts included.</summary>
    public Dictionary<string, long> BalanceSums() =>
        State.Accounts.GroupBy(a => a.Currency.Code).ToDictionary(g => g.Key, g => g.Sum(a => a.Balance));

    /// <summary>A cheap numeric summary of the state (every account's balance, held, status and version; the log head;
    /// the change sets; hold counts and posted sums per status): equal fingerprints mean nothing observable changed.</summary>
    public long[] Fingerprint()
    {
        var values = new List<long> { State.LastSequence, State.ChangedAccounts.Count(), State.ChangedHolds.Count() };
        foreach (var a in State.Accounts)
        {
            values.AddRange([a.Balance, a.Held, (long)a.Status, a.Version]);
        }
        foreach (var h in _holds)
        {
            var hold = HoldOf(h);
            values.AddRange([(long)hold.Status, hold.PostedAmount]);
        }
        return [.. values];
    }

    /// <summary>Everything observable about the state, as text so a difference reads well in a failure message.</summary>
    public string Snapshot()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"lastSequence={State.LastSequence}\n");
        foreach (var a in State.Accounts.OrderBy(a => a.Id.Value))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"account {a.Id} {a.Kind} {a.Currency} {a.Status} balance={a.Balance} held={a.Held} version={a.Version}\n");
        }
        foreach (var id in _holds)
        {
            var h = HoldOf(id);
            text.Append(CultureInfo.InvariantCulture, $"hold {h.Id} {h.Status} posted={h.PostedAmount} closedAt={h.ClosedAt:O}\n");
        }
        text.Append("changedAccounts=").AppendJoin(',', State.ChangedAccounts.Select(a => a.Id.Value).Order()).Append('\n');
        text.Append("changedHolds=").AppendJoin(',', State.ChangedHolds.Select(h => h.Id.Value).Order()).Append('\n');
        return text.ToString();
    }
}

/// <summary>Builders for the commands, shaped like the requests the API turns into them.</summary>
internal static class Commands
{
    public static OpenAccount Open(string ownerId, Currency currency, long overdraftLimit = 0, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(ownerId, currency, overdraftLimit, metadata ?? LedgerMetadata.Empty);

    public static PostEntry Deposit(AccountId to, long amount, Currency currency) =>
        new(EntryKind.Deposit,
            [new PostingRequest(null, Direction.Debit, new Money(amount, currency), "amount"),
             new PostingRequest(to, Direction.Credit, new Money(amount, currency), "accountId")],
            EntryDetails.None);

    public static PostEntry Withdraw(AccountId from, long amount, Currency currency) =>
        new(EntryKind.Withdrawal,
            [new PostingRequest(from, Direction.Debit, new Money(amount, currency), "accountId"),
             new PostingRequest(null, Direction.Credit, new Money(amount, currency), "amount")],
            EntryDetails.None);

    public static PostEntry Transfer(AccountId from, AccountId to, long amount, Currency currency, EntryKind kind = EntryKind.Transfer, EntryId? reverses = null) =>
        new(kind,
            [new PostingRequest(from, Direction.Debit, new Money(amount, currency), "fromAccountId"),
             new PostingRequest(to, Direction.Credit, new Money(amount, currency), "toAccountId")],
            EntryDetails.None, reverses);

    public static PostEntry Journal(params PostingRequest[] postings) => new(EntryKind.Journal, postings, EntryDetails.None);

    public static PostingRequest Debit(AccountId? account, long amount, Currency currency, int index) =>
        new(account, Direction.Debit, new Money(amount, currency), $"postings[{index}].accountId");

    public static PostingRequest Credit(AccountId? account, long amount, Currency currency, int index) =>
        new(account, Direction.Credit, new Money(amount, currency), $"postings[{index}].accountId");

    public static CreateHold Hold(AccountId from, AccountId to, long amount, DateTimeOffset expiresAt, Currency currency, string? description = null) =>
        new(from, to, new Money(amount, currency), expiresAt, description);
}
