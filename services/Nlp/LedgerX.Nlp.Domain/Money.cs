using System.Globalization;

namespace LedgerX.Nlp.Domain;

/// <summary>An amount in minor units of an ISO 4217 currency. Never a floating-point number: answers repeat figures
/// exactly as the ledger holds them.</summary>
public readonly record struct Money(long Minor, string Currency)
{
    /// <summary>Digits after the decimal point; the currencies without minor units are listed, every other has two.</summary>
    public static int Exponent(string currency) => currency is "JPY" or "KRW" or "ISK" ? 0 : 2;

    public static Money Zero(string currency) => new(0, currency);

    public Money Plus(Money other)
    {
        if (other.Currency != Currency) throw new InvalidOperationException($"Cannot add {other.Currency} to {Currency}.");
        return new Money(checked(Minor + other.Minor), Currency);
    }

    public Money Minus(Money other) => Plus(new Money(checked(-other.Minor), other.Currency));

    /// <summary>"1,234.56 EUR": invariant culture, so an answer reads the same on every machine.</summary>
    public override string ToString()
    {
        var exponent = Exponent(Currency);
        var value = Minor / (decimal)Math.Pow(10, exponent);
        return value.ToString("N" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + Currency;
    }
}
