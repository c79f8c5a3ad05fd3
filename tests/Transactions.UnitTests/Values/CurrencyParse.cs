using LedgerX.Transactions.Domain;

namespace LedgerX.Transactions.UnitTests.Values;

public class CurrencyParse
{
    [Theory]
    [InlineData("EUR", 2)]
    [InlineData("USD", 2)]
    [InlineData("GBP", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("BHD", 3)]
    [InlineData("KWD", 3)]
    [InlineData("CLP", 0)]
    public void AcceptsActiveIsoCodesWithTheirMinorUnits(string code, int minorUnits)
    {
        var currency = Currency.Parse(code);

        currency.Code.ShouldBe(code);
        currency.MinorUnits.ShouldBe(minorUnits);
        currency.ToString().ShouldBe(code);
        Currency.TryParse(code, out var parsed).ShouldBeTrue();
        parsed.ShouldBe(currency);
    }

    [Theory]
    [InlineData("eur")]
    [InlineData("Eur")]
    [InlineData("EUD")]
    [InlineData("XAU")]
    [InlineData("XDR")]
    [InlineData("EURO")]
    [InlineData("EU")]
    [InlineData(" EUR")]
    [InlineData("")]
    public void RefusesLowercaseUnknownAndNonCurrencyCodes(string code)
    {
        Currency.TryParse(code, out var currency).ShouldBeFalse();
        currency.ShouldBe(default);

        var refused = Should.Throw<LedgerRuleException>(() => Currency.Parse(code));
        refused.Error.Kind.ShouldBe(LedgerErrorKind.Validation);
        refused.Error.Code.ShouldBe("validation");
        refused.Error.Field.ShouldBe("currency");
    }

    [Fact]
    public void RefusesNull()
    {
        Currency.TryParse(null, out _).ShouldBeFalse();

        Should.Throw<LedgerRuleException>(() => Currency.Parse(null!)).Error.Field.ShouldBe("currency");
    }

    [Fact]
    public void ComparesByCode()
    {
        Currency.Parse("EUR").ShouldBe(Currency.Parse("EUR"));
        Currency.Parse("EUR").ShouldNotBe(Currency.Parse("USD"));
    }
}
