using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Entries;

public class TransferPost
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void MovesMoneyAndReportsBalancesAfter()
    {
        var from = _ledger.OpenFunded(1_000, "payer");
        var to = _ledger.OpenFunded(10, "payee");

        var posted = _ledger.Transfer(from, to, 250);

        posted.Kind.ShouldBe("transfer");
        posted.Postings.ShouldBe([
            new PostingLine(from.Value, "debit", 250, "EUR", 750),
            new PostingLine(to.Value, "credit", 250, "EUR", 260),
        ]);
        _ledger.Account(from).Balance.ShouldBe(750);
        _ledger.Account(to).Balance.ShouldBe(260);
        posted.EntryId.Version.ShouldBe(7);
        posted.ReversesEntryId.ShouldBeNull();
        posted.HoldId.ShouldBeNull();
    }

    [Fact]
    public void SpendingExactlyTheBalanceIsAllowed()
    {
        var from = _ledger.OpenFunded(1_000, "payer");
        var to = _ledger.Open("payee");

        _ledger.Transfer(from, to, 1_000);

        _ledger.Account(from).Balance.ShouldBe(0);
    }

    [Fact]
    public void RefusesOneMinorUnitMoreThanAvailable()
    {
        var from = _ledger.OpenFunded(1_000, "payer");
        var to = _ledger.Open("payee");

        var error = _ledger.Refuses(Commands.Transfer(from, to, 1_001, LedgerWithClock.Eur));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "insufficient_funds", "fromAccountId"));
    }

    [Fact]
    public void RefusesAnUnknownAccountNamingTheField()
    {
        var from = _ledger.OpenFunded(1_000, "payer");

        var error = _ledger.Refuses(Commands.Transfer(from, AccountId.New(_ledger.Clock), 10, LedgerWithClock.Eur));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "account_not_found", "toAccountId"));
    }

    [Fact]
    public void RefusesACurrencyTheAccountsDoNotHold()
    {
        var from = _ledger.OpenFunded(1_000, "payer");
        var to = _ledger.Open("payee");

        var error = _ledger.Refuses(Commands.Transfer(from, to, 10, LedgerWithClock.Usd));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "currency_mismatch", "fromAccountId"));
    }

    [Fact]
    public void RefusesBetweenAccountsOfDifferentCurrencies()
    {
        var from = _ledger.OpenFunded(1_000, "payer");
        var to = _ledger.Open("payee", LedgerWithClock.Usd);

        var error = _ledger.Refuses(Commands.Transfer(from, to, 10, LedgerWithClock.Eur));

        (error.Code, error.Field).ShouldBe(("currency_mismatch", "toAccountId"));
    }

    [Fact]
    public void KeepsDescriptionCategoryAndMetadata()
    {
        var from = _ledger.OpenFunded(1_000, "payer");
        var to = _ledger.Open("payee");
        var details = new EntryDetails("Rent March", "housing", new Dictionary<string, string> { ["invoice"] = "2025-03" });
        var command = Commands.Transfer(from, to, 800, LedgerWithClock.Eur) with { Details = details };

        var posted = _ledger.Execute(command).OfType<TransactionPosted>().Single();

        posted.Description.ShouldBe("Rent March");
        posted.Category.ShouldBe("housing");
        posted.Metadata["invoice"].ShouldBe("2025-03");
    }

    [Fact]
    public void RefusesOverlongDescriptionAndCategory()
    {
        var from = _ledger.OpenFunded(1_000, "payer");
        var to = _ledger.Open("payee");
        var transfer = Commands.Transfer(from, to, 1, LedgerWithClock.Eur);

        _ledger.Refuses(transfer with { Details = new EntryDetails(new string('d', EntryDetails.MaxDescriptionLength + 1), null, LedgerMetadata.Empty) })
            .Field.ShouldBe("description");
        _ledger.Refuses(transfer with { Details = new EntryDetails(null, new string('c', EntryDetails.MaxCategoryLength + 1), LedgerMetadata.Empty) })
            .Field.ShouldBe("category");
        _ledger.Refuses(transfer with { Details = new EntryDetails(null, null, new Dictionary<string, string> { [""] = "v" }) })
            .Field.ShouldBe("metadata");
        _ledger.Execute(transfer with
        {
            Details = new EntryDetails(new string('d', EntryDetails.MaxDescriptionLength), new string('c', EntryDetails.MaxCategoryLength), LedgerMetadata.Empty),
        }).ShouldHaveSingleItem();
    }
}
