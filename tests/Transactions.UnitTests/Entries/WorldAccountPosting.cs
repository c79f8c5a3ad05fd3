using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Entries;

/// <summary>Deposits and withdrawals: a posting with no account id is the world account of its currency.</summary>
public class WorldAccountPosting
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void FirstDepositOpensTheWorldAccountBeforePosting()
    {
        var id = _ledger.Open();

        var events = _ledger.Execute(Commands.Deposit(id, 2_500, LedgerWithClock.Eur));

        events.Count.ShouldBe(2);
        var world = events[0].ShouldBeOfType<AccountOpened>();
        world.Kind.ShouldBe("world");
        world.OwnerId.ShouldBe(Account.WorldOwner);
        world.Currency.ShouldBe("EUR");
        world.OverdraftLimit.ShouldBe(0);
        world.Metadata.ShouldBeEmpty();
        var posted = events[1].ShouldBeOfType<TransactionPosted>();
        posted.Kind.ShouldBe("deposit");
        posted.Postings.Count.ShouldBe(2);
        posted.Postings[0].ShouldBe(new PostingLine(world.AccountId, "debit", 2_500, "EUR", -2_500));
        posted.Postings[1].ShouldBe(new PostingLine(id.Value, "credit", 2_500, "EUR", 2_500));
        (events[0].Sequence, events[1].Sequence).ShouldBe((2L, 3L));
    }

    [Fact]
    public void DepositCreditsTheCustomerAndTakesTheWorldNegative()
    {
        var id = _ledger.Open();

        _ledger.Deposit(id, 2_500);

        _ledger.Account(id).Balance.ShouldBe(2_500);
        var world = _ledger.World(LedgerWithClock.Eur);
        world.Kind.ShouldBe(AccountKind.World);
        world.Balance.ShouldBe(-2_500);
        world.Available.ShouldBe(-2_500);
    }

    [Fact]
    public void LaterDepositsReuseTheWorldAccount()
    {
        var first = _ledger.Open("a");
        var second = _ledger.Open("b");
        _ledger.Deposit(first, 100);
        var world = _ledger.World(LedgerWithClock.Eur).Id;

        var events = _ledger.Execute(Commands.Deposit(second, 50, LedgerWithClock.Eur));
        _ledger.Withdraw(first, 30);

        events.ShouldHaveSingleItem().ShouldBeOfType<TransactionPosted>().Postings[0].AccountId.ShouldBe(world.Value);
        _ledger.Log.OfType<AccountOpened>().Count(o => o.Kind == "world").ShouldBe(1);
        _ledger.World(LedgerWithClock.Eur).Balance.ShouldBe(-120);
    }

    [Fact]
    public void EachCurrencyGetsItsOwnWorldAccount()
    {
        _ledger.OpenFunded(100, "eur", LedgerWithClock.Eur);
        _ledger.OpenFunded(7, "jpy", LedgerWithClock.Jpy);
        _ledger.OpenFunded(300, "usd", LedgerWithClock.Usd);

        var worlds = _ledger.State.Accounts.Where(a => a.Kind == AccountKind.World).ToList();

        worlds.Select(w => w.Currency.Code).Order().ShouldBe(["EUR", "JPY", "USD"]);
        _ledger.World(LedgerWithClock.Jpy).Balance.ShouldBe(-7);
        _ledger.BalanceSums().ShouldAllBe(sum => sum.Value == 0);
    }

    [Fact]
    public void SeveralWorldPostingsInOneEntryOpenTheWorldAccountOnce()
    {
        var a = _ledger.Open("a");
        var b = _ledger.Open("b");

        var events = _ledger.Execute(Commands.Journal(
            Commands.Debit(null, 100, LedgerWithClock.Eur, 0),
            Commands.Debit(null, 50, LedgerWithClock.Eur, 1),
            Commands.Credit(a, 100, LedgerWithClock.Eur, 2),
            Commands.Credit(b, 50, LedgerWithClock.Eur, 3)));

        var opened = events.OfType<AccountOpened>().ShouldHaveSingleItem();
        var posted = events.OfType<TransactionPosted>().ShouldHaveSingleItem();
        posted.Postings[0].AccountId.ShouldBe(opened.AccountId);
        posted.Postings[1].AccountId.ShouldBe(opened.AccountId);
        posted.Postings.Select(p => p.BalanceAfter).ShouldBe([-100L, -150L, 100L, 50L]);
        _ledger.World(LedgerWithClock.Eur).Balance.ShouldBe(-150);
    }

    [Fact]
    public void WithdrawalDebitsTheCustomerAndCreditsTheWorld()
    {
        var id = _ledger.OpenFunded(1_000);

        var posted = _ledger.Withdraw(id, 400);

        posted.Kind.ShouldBe("withdrawal");
        posted.Postings[0].ShouldBe(new PostingLine(id.Value, "debit", 400, "EUR", 600));
        _ledger.Account(id).Balance.ShouldBe(600);
        _ledger.World(LedgerWithClock.Eur).Balance.ShouldBe(-600);
    }

    [Fact]
    public void WithdrawalBeyondTheBalanceIsRefused()
    {
        var id = _ledger.OpenFunded(1_000);

        var error = _ledger.Refuses(Commands.Withdraw(id, 1_001, LedgerWithClock.Eur));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "insufficient_funds", "accountId"));
    }

    [Fact]
    public void AFirstWithdrawalCanOpenTheWorldAccountFromAnOverdraft()
    {
        var id = _ledger.Open(overdraftLimit: 300);

        var events = _ledger.Execute(Commands.Withdraw(id, 300, LedgerWithClock.Eur));

        events[0].ShouldBeOfType<AccountOpened>().Kind.ShouldBe("world");
        _ledger.World(LedgerWithClock.Eur).Balance.ShouldBe(300);
        _ledger.Account(id).Balance.ShouldBe(-300);
    }

    [Fact]
    public void ARefusedFirstDepositOpensNoWorldAccount()
    {
        var frozen = _ledger.Open();
        _ledger.Execute(new FreezeAccount(frozen, "kyc"));

        _ledger.Refuses(Commands.Deposit(frozen, 100, LedgerWithClock.Eur)).Code.ShouldBe("account_frozen");

        _ledger.State.FindWorldAccount(LedgerWithClock.Eur).ShouldBeNull();
        _ledger.Log.OfType<AccountOpened>().ShouldAllBe(o => o.Kind == "customer");
    }

    [Fact]
    public void CannotBeNamedByIdInATransferOrAHold()
    {
        var customer = _ledger.OpenFunded(1_000, "named");
        var world = _ledger.State.FindWorldAccount(LedgerWithClock.Eur)!.Id;

        var transfer = _ledger.Refuses(Commands.Transfer(world, customer, 10, LedgerWithClock.Eur));
        var hold = _ledger.Refuses(Commands.Hold(customer, world, 10, LedgerWithClock.Start.AddHours(1), LedgerWithClock.Eur));

        (transfer.Code, transfer.Field).ShouldBe(("world_account", "fromAccountId"));
        (hold.Code, hold.Field).ShouldBe(("world_account", "toAccountId"));
    }
}
