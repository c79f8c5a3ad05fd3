using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;
using static LedgerX.Transactions.UnitTests.Support.Commands;

namespace LedgerX.Transactions.UnitTests.Entries;

public class JournalEntryPost
{
    private static readonly Currency Eur = LedgerWithClock.Eur;
    private static readonly Currency Usd = LedgerWithClock.Usd;
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void PostsABalancedSplitAcrossSeveralAccounts()
    {
        var payer = _ledger.OpenFunded(1_000, "payer");
        var rent = _ledger.Open("landlord");
        var fees = _ledger.Open("bank");

        var posted = _ledger.Execute(Journal(Debit(payer, 900, Eur, 0), Credit(rent, 850, Eur, 1), Credit(fees, 50, Eur, 2)))
            .ShouldHaveSingleItem().ShouldBeOfType<TransactionPosted>();

        posted.Kind.ShouldBe("journal");
        posted.Postings.Select(p => (p.Direction, p.Amount, p.BalanceAfter)).ShouldBe([("debit", 900L, 100L), ("credit", 850L, 850L), ("credit", 50L, 50L)]);
        (_ledger.Account(payer).Balance, _ledger.Account(rent).Balance, _ledger.Account(fees).Balance).ShouldBe((100L, 850L, 50L));
    }

    [Fact]
    public void RefusesUnbalancedPostings()
    {
        var payer = _ledger.OpenFunded(1_000, "payer");
        var payee = _ledger.Open("payee");

        var error = _ledger.Refuses(Journal(Debit(payer, 100, Eur, 0), Credit(payee, 99, Eur, 1)));

        (error.Kind, error.Field).ShouldBe((LedgerErrorKind.Validation, "postings"));
        error.Message.ShouldContain("EUR");
    }

    [Fact]
    public void RefusesPostingsThatOnlyBalanceAcrossCurrencies()
    {
        var eur = _ledger.OpenFunded(1_000, "eur", Eur);
        var usd = _ledger.Open("usd", Usd);

        _ledger.Refuses(Journal(Debit(eur, 100, Eur, 0), Credit(usd, 100, Usd, 1))).Field.ShouldBe("postings");
    }

    [Fact]
    public void PostsSeveralCurrenciesWhenEachIsBalanced()
    {
        var eurA = _ledger.OpenFunded(1_000, "a", Eur);
        var eurB = _ledger.Open("b", Eur);
        var usdA = _ledger.OpenFunded(500, "a", Usd);
        var usdB = _ledger.Open("b", Usd);

        _ledger.Execute(Journal(Debit(eurA, 100, Eur, 0), Credit(eurB, 100, Eur, 1), Debit(usdA, 50, Usd, 2), Credit(usdB, 50, Usd, 3)));

        (_ledger.Account(eurB).Balance, _ledger.Account(usdB).Balance).ShouldBe((100L, 50L));
        _ledger.BalanceSums().ShouldAllBe(sum => sum.Value == 0);
    }

    [Fact]
    public void RefusesWhenOneOfSeveralCurrenciesIsUnbalanced()
    {
        var eurA = _ledger.OpenFunded(1_000, "a", Eur);
        var eurB = _ledger.Open("b", Eur);
        var usdA = _ledger.OpenFunded(500, "a", Usd);
        var usdB = _ledger.Open("b", Usd);

        var error = _ledger.Refuses(Journal(Debit(eurA, 100, Eur, 0), Credit(eurB, 100, Eur, 1), Debit(usdA, 50, Usd, 2), Credit(usdB, 49, Usd, 3)));

        error.Field.ShouldBe("postings");
        error.Message.ShouldContain("USD");
    }

    [Fact]
    public void OpensWorldAccountsForEveryCurrencyInOneEntry()
    {
        var eur = _ledger.Open("a", Eur);
        var usd = _ledger.Open("a", Usd);

        var events = _ledger.Execute(Journal(Debit(null, 10, Eur, 0), Credit(eur, 10, Eur, 1), Debit(null, 20, Usd, 2), Credit(usd, 20, Usd, 3)));

        events.OfType<AccountOpened>().Select(o => (o.Kind, o.Currency)).ShouldBe([("world", "EUR"), ("world", "USD")]);
        events[^1].ShouldBeOfType<TransactionPosted>();
        events.Select(e => e.Sequence).ShouldBe([3L, 4L, 5L]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void RefusesFewerThanTwoPostings(int count)
    {
        var account = _ledger.OpenFunded(1_000);
        var postings = new[] { Debit(account, 10, Eur, 0) }.Take(count).ToArray();

        var error = _ledger.Refuses(Journal(postings));

        (error.Kind, error.Field).ShouldBe((LedgerErrorKind.Validation, "postings"));
    }

    [Fact]
    public void AcceptsOneHundredPostingsAndRefusesOneHundredAndOne()
    {
        var payer = _ledger.OpenFunded(1_000_000, "payer");
        var payees = Enumerable.Range(0, PostEntry.MaxPostings).Select(i => _ledger.Open($"payee-{i}")).ToArray();
        PostingRequest[] Split(int credits) =>
            [Debit(payer, credits, Eur, 0), .. payees.Take(credits).Select((p, i) => Credit(p, 1, Eur, i + 1))];

        var error = _ledger.Refuses(Journal(Split(PostEntry.MaxPostings)));
        var posted = _ledger.Execute(Journal(Split(PostEntry.MaxPostings - 1))).ShouldHaveSingleItem().ShouldBeOfType<TransactionPosted>();

        (error.Kind, error.Field).ShouldBe((LedgerErrorKind.Validation, "postings"));
        posted.Postings.Count.ShouldBe(PostEntry.MaxPostings);
        PostEntry.MaxPostings.ShouldBe(100);
    }

    [Fact]
    public void NetsDebitAndCreditOnTheSameAccount()
    {
        var empty = _ledger.Open("empty");

        var posted = _ledger.Execute(Journal(Debit(empty, 500, Eur, 0), Credit(empty, 500, Eur, 1)))
            .ShouldHaveSingleItem().ShouldBeOfType<TransactionPosted>();

        posted.Postings.Select(p => p.BalanceAfter).ShouldBe([-500L, 0L]);
        _ledger.Account(empty).Balance.ShouldBe(0);
    }

    [Fact]
    public void RefusesWhenTheNetDebitOfAnAccountExceedsItsFloor()
    {
        var payer = _ledger.OpenFunded(100, "payer");
        var payee = _ledger.Open("payee");

        var error = _ledger.Refuses(Journal(Debit(payer, 300, Eur, 0), Credit(payer, 199, Eur, 1), Credit(payee, 101, Eur, 2)));
        _ledger.Execute(Journal(Debit(payer, 300, Eur, 0), Credit(payer, 200, Eur, 1), Credit(payee, 100, Eur, 2)));

        (error.Code, error.Field).ShouldBe(("insufficient_funds", "postings[0].accountId"));
        _ledger.Account(payer).Balance.ShouldBe(0);
    }

    [Fact]
    public void RefusesACurrencyTheAccountDoesNotHoldNamingThePosting()
    {
        var eur = _ledger.OpenFunded(1_000, "eur", Eur);
        var usd = _ledger.Open("usd", Usd);

        var error = _ledger.Refuses(Journal(Debit(eur, 100, Eur, 0), Credit(usd, 100, Eur, 1)));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "currency_mismatch", "postings[1].accountId"));
    }

    [Fact]
    public void RefusesAnUnknownAccountNamingThePosting()
    {
        var payer = _ledger.OpenFunded(1_000, "payer");
        var payee = _ledger.Open("payee");

        var error = _ledger.Refuses(Journal(Debit(payer, 100, Eur, 0), Credit(payee, 60, Eur, 1), Credit(AccountId.New(_ledger.Clock), 40, Eur, 2)));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "account_not_found", "postings[2].accountId"));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-100L)]
    [InlineData(Money.MaxAmount + 1)]
    public void RefusesAnAmountOutOfBoundsNamingThePostingsAmount(long amount)
    {
        var payer = _ledger.OpenFunded(1_000, "payer");
        var payee = _ledger.Open("payee");

        var error = _ledger.Refuses(Journal(Debit(payer, 100, Eur, 0), Credit(payee, 100, Eur, 1), Credit(payee, amount, Eur, 2), Debit(payee, amount, Eur, 3)));

        (error.Kind, error.Field).ShouldBe((LedgerErrorKind.Validation, "postings[2].amount"));
    }

    [Fact]
    public void RefusesAZeroDepositNamingTheAmount()
    {
        var account = _ledger.Open();

        _ledger.Refuses(Deposit(account, 0, Eur)).Field.ShouldBe("amount");
    }

    [Fact]
    public void KeepsItsOwnCopyOfTheMetadata()
    {
        var payer = _ledger.OpenFunded(1_000, "payer");
        var payee = _ledger.Open("payee");
        var metadata = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" };

        var posted = _ledger.Execute(Journal(Debit(payer, 1, Eur, 0), Credit(payee, 1, Eur, 1)) with { Details = new EntryDetails(null, null, metadata) })
            .OfType<TransactionPosted>().Single();
        metadata["a"] = "tampered after posting";

        posted.Metadata["a"].ShouldBe("1");
        posted.Metadata.Keys.ShouldBe(["a", "b"]);
    }
}
