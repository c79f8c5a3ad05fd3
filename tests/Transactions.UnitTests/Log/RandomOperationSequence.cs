using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Log;

/// <summary>
/// A property-style test: thousands of random commands (a fixed seed, so a failure reproduces), many of them refused
/// on purpose, and after every single one the ledger's invariants are checked.
/// </summary>
public class RandomOperationSequence
{
    private const int Seed = 20_250_301;
    private const int Operations = 2_000;
    private static readonly Currency[] Currencies = [LedgerWithClock.Eur, LedgerWithClock.Usd, LedgerWithClock.Jpy];

    [Fact]
    public void KeepsEveryInvariantAfterEveryCommand()
    {
        var random = new Random(Seed);
        var ledger = new LedgerWithClock();
        var accounts = Enumerable.Range(0, 12)
            .Select(i => ledger.Open($"owner-{i}", Currencies[i % Currencies.Length], random.Next(3) == 0 ? random.Next(1, 5_000) : 0))
            .ToList();
        var (accepted, refused) = (0, 0);

        for (var operation = 0; operation < Operations; operation++)
        {
            var command = NextCommand(random, ledger, accounts);
            if (command is null)
            {
                continue;
            }
            var before = ledger.Fingerprint();
            try
            {
                ledger.Execute(command);
                accepted++;
            }
            catch (LedgerRuleException)
            {
                ledger.Fingerprint().ShouldBe(before, $"operation {operation} ({command.GetType().Name}) was refused but changed the state");
                refused++;
            }
            AssertInvariants(ledger, operation);
        }

        // Both paths must really have been exercised, or the test proves little.
        accepted.ShouldBeGreaterThan(Operations / 3);
        refused.ShouldBeGreaterThan(Operations / 20);
        ledger.Log.OfType<HoldPosted>().Count(h => h.ReleasedAmount > 0).ShouldBeGreaterThan(0);
        ledger.Log.OfType<HoldExpired>().ShouldNotBeEmpty();
        ledger.Log.OfType<AccountClosed>().ShouldNotBeEmpty();
        Replay.Describe(Replay.ThroughSerializer(ledger.Log), ledger.Holds).ShouldBe(Replay.Describe(ledger.State, ledger.Holds));
    }

    private static void AssertInvariants(LedgerWithClock ledger, int operation)
    {
        var at = $"after operation {operation}";
        foreach (var (currency, sum) in ledger.BalanceSums())
        {
            sum.ShouldBe(0, $"Σ balances in {currency} {at}");
        }
        var pendingHeld = ledger.Holds.Select(ledger.HoldOf).Where(h => h.Status == HoldStatus.Pending)
            .GroupBy(h => h.AccountId).ToDictionary(g => g.Key, g => g.Sum(h => h.Amount.Amount));
        foreach (var account in ledger.State.Accounts)
        {
            account.Available.ShouldBe(account.Balance - account.Held, at);
            account.Held.ShouldBe(pendingHeld.GetValueOrDefault(account.Id), $"held on {account.Id} {at}");
            if (account.Kind == AccountKind.Customer)
            {
                account.Available.ShouldBeGreaterThanOrEqualTo(-account.OverdraftLimit, $"floor of {account.Id} {at}");
            }
            if (account.Status == AccountStatus.Closed)
            {
                (account.Balance, account.Held).ShouldBe((0L, 0L), $"closed {account.Id} {at}");
            }
        }
        ledger.State.LastSequence.ShouldBe(ledger.Log.Count, at);
        if (ledger.Log.Count > 0)
        {
            ledger.Log[^1].Sequence.ShouldBe(ledger.Log.Count, at);
        }
    }

    private static LedgerCommand? NextCommand(Random random, LedgerWithClock ledger, List<AccountId> accounts)
    {
        // Mostly valid choices (live accounts, matching currencies, pending holds) so that most commands succeed and
        // balances keep moving; the rest are deliberately wrong to exercise every refusal.
        bool Now(int oneIn) => random.Next(oneIn) == 0;
        AccountId Pick(IReadOnlyList<AccountId> from) => from.Count == 0 ? accounts[random.Next(accounts.Count)] : from[random.Next(from.Count)];
        AccountId Any() => Now(20) ? Pick(accounts) : Pick([.. accounts.Where(a => ledger.Account(a).Status != AccountStatus.Closed)]);
        AccountId Other(AccountId of) => Now(20) ? Any() : Pick([.. accounts.Where(a => a != of && ledger.Account(a).Currency == ledger.Account(of).Currency
            && ledger.Account(a).Status != AccountStatus.Closed)]);
        Currency CurrencyOf(AccountId id) => Now(25) ? Currencies[random.Next(Currencies.Length)] : ledger.Account(id).Currency;
        long Amount() => Now(15) ? random.Next(-1, 2) : random.Next(1, 4_000);
        HoldId? AnyHold()
        {
            var pending = ledger.Holds.Where(h => ledger.HoldOf(h).Status == HoldStatus.Pending).ToList();
            var from = pending.Count == 0 || Now(5) ? ledger.Holds : pending;
            return from.Count == 0 ? null : from[random.Next(from.Count)];
        }

        switch (random.Next(100))
        {
            case < 18:
                var to = Any();
                return Commands.Deposit(to, Amount(), CurrencyOf(to));
            case < 28:
                var from = Any();
                return Commands.Withdraw(from, Amount(), CurrencyOf(from));
            case < 46:
                var payer = Any();
                return Commands.Transfer(payer, Other(payer), Amount(), CurrencyOf(payer), Now(20) ? EntryKind.Reversal : EntryKind.Transfer);
            case < 56:
                return RandomJournal(random, ledger, accounts);
            case < 69:
                var holder = Any();
                return Commands.Hold(holder, Other(holder), Amount(), ledger.Clock.GetUtcNow().AddMinutes(random.Next(-1, 90)), CurrencyOf(holder));
            case < 78:
                return AnyHold() is { } posted ? new PostHold(posted, Now(3) ? null : random.Next(0, 3_000)) : null;
            case < 83:
                return AnyHold() is { } voided ? new VoidHold(voided) : null;
            case < 88:
                return AnyHold() is { } expired ? new ExpireHold(expired) : null;
            case < 93:
                ledger.Clock.Advance(TimeSpan.FromMinutes(random.Next(1, 20)));
                return null;
            case < 98:
                return Now(4) ? new FreezeAccount(Any(), "random check") : new UnfreezeAccount(Any());
            default:
                return new CloseAccount(Any());
        }
    }

    /// <summary>A balanced entry in one currency over 2 to 6 postings, sometimes touching the world account, sometimes
    /// deliberately off by one.</summary>
    private static PostEntry RandomJournal(Random random, LedgerWithClock ledger, List<AccountId> accounts)
    {
        var currency = Currencies[random.Next(Currencies.Length)];
        var candidates = accounts.Where(a => ledger.Account(a).Currency == currency).Select(a => (AccountId?)a).Append(null).ToList();
        AccountId? Pick() => candidates[random.Next(candidates.Count)];
        var debits = Enumerable.Range(0, random.Next(1, 4)).Select(_ => (Account: Pick(), Amount: (long)random.Next(1, 2_000))).ToList();
        var total = debits.Sum(d => d.Amount) + (random.Next(15) == 0 ? 1 : 0);
        var creditCount = random.Next(1, 4);
        var credits = Enumerable.Range(0, creditCount)
            .Select(i => (Account: Pick(), Amount: i < creditCount - 1 ? total / creditCount : total - (total / creditCount * (creditCount - 1))))
            .ToList();
        var postings = debits.Select((d, i) => Commands.Debit(d.Account, d.Amount, currency, i))
            .Concat(credits.Select((c, i) => Commands.Credit(c.Account, c.Amount, currency, debits.Count + i)))
            .ToArray();
        return Commands.Journal(postings);
    }
}
