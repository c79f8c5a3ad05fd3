using System.Globalization;

namespace LedgerX.Notifications.Api.Templates;

/// <summary>
/// Money as a person reads it in their language: <c>EUR 1,234.56</c> in English, <c>1.234,56 EUR</c> in German. Written
/// out here rather than through CultureInfo: the services run with invariant globalization (no ICU), and a bank's
/// notifications must not change with the host's locale data.
/// </summary>
public static class MoneyFormat
{
    /// <summary>Minor-unit digits of the currencies that do not have two (ISO 4217).</summary>
    private static readonly Dictionary<string, int> Exponents = new(StringComparer.Ordinal)
    {
        ["JPY"] = 0, ["KRW"] = 0, ["ISK"] = 0, ["CLP"] = 0, ["VND"] = 0, ["HUF"] = 2,
        ["BHD"] = 3, ["KWD"] = 3, ["OMR"] = 3, ["JOD"] = 3, ["TND"] = 3,
    };

    public static string Format(Money money, string language)
    {
        ArgumentNullException.ThrowIfNull(money);
        var exponent = Exponents.GetValueOrDefault(money.Currency, 2);
        var divisor = (long)Math.Pow(10, exponent);
        var whole = Math.Abs(money.Amount / divisor);
        var fraction = Math.Abs(money.Amount % divisor);
        var (group, point) = language == Preferences.Languages.German ? ('.', ',') : (',', '.');
        var digits = whole.ToString(CultureInfo.InvariantCulture);
        var grouped = new System.Text.StringBuilder();
        for (var i = 0; i < digits.Length; i++)
        {
            if (i > 0 && (digits.Length - i) % 3 == 0)
            {
                grouped.Append(group);
            }
            grouped.Append(digits[i]);
        }
        if (exponent > 0)
        {
            grouped.Append(point).Append(fraction.ToString(CultureInfo.InvariantCulture).PadLeft(exponent, '0'));
        }
        var sign = money.Amount < 0 ? "-" : "";
        return language == Preferences.Languages.German ? $"{sign}{grouped} {money.Currency}" : $"{sign}{money.Currency} {grouped}";
    }
}
