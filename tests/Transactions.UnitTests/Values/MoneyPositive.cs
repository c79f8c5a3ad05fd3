using LedgerX.Transactions.Domain;

namespace LedgerX.Transactions.UnitTests.Values;

public class MoneyPositive
{
    private static readonly Currency Eur = Currency.Parse("EUR");

    [Theory]
    [InlineData(1L)]
    [InlineData(12_345L)]
    [InlineData(Money.MaxAmount)]
    public void AcceptsAmountsFromOneToTheMaximum(long amount)
    {
        var money = Money.Positive(amount, Eur);

        money.Amount.ShouldBe(amount);
        money.Currency.ShouldBe(Eur);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(Money.MaxAmount + 1)]
    [InlineData(long.MaxValue)]
    public void RefusesZeroNegativeAndAboveMaximumNamingTheField(long amount)
    {
        var refused = Should.Throw<LedgerRuleException>(() => Money.Positive(amount, Eur, "postings[3].amount"));

        refused.Error.Kind.ShouldBe(LedgerErrorKind.Validation);
        refused.Error.Field.ShouldBe("postings[3].amount");
    }

    [Fact]
    public void NamesTheAmountFieldByDefault() =>
        Should.Throw<LedgerRuleException>(() => Money.Positive(0, Eur)).Error.Field.ShouldBe("amount");

    [Fact]
    public void MaximumIsTenToTheFifteenMinorUnits() => Money.MaxAmount.ShouldBe(1_000_000_000_000_000L);

    [Fact]
    public void PrintsAmountAndCurrency() => new Money(1050, Eur).ToString().ShouldBe("1050 EUR");
}
