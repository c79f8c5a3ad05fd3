using System.Globalization;
using System.Text.RegularExpressions;

namespace LedgerX.Nlp.Domain.Model;

/// <summary>The guard on numbers: every number a model writes must be one the tool results contain. Numbers are
/// compared by value, not by spelling ("1,234.50" = "1234.5", "05" = "5"), and without sign (a model says "you spent
/// 12.00 EUR" of an amount the ledger holds as -12.00). Thousands separators are commas, as the composer writes them;
/// a number written otherwise ("12,50" for twelve and a half) reads as another value and fails the guard, which only
/// costs the model's phrasing, never a wrong figure. Numbers spelled as words ("three") are not read.</summary>
public static partial class NumberGuard
{
    /// <summary>The numbers in <paramref name="text"/>, each as its canonical value.</summary>
    public static IEnumerable<string> Numbers(string text) =>
        NumberRegex().Matches(text).Select(m => Canonical(m.Value));

    /// <summary>The numbers of <paramref name="text"/> that <paramref name="allowed"/> does not hold, in order.</summary>
    public static IReadOnlyList<string> Ungrounded(string text, IReadOnlySet<string> allowed) =>
        Numbers(text).Where(n => !allowed.Contains(n)).Distinct().ToList();

    /// <summary>"1,234.50" → "1234.5"; "05" → "5"; "2026" → "2026".</summary>
    public static string Canonical(string raw)
    {
        var digits = raw.TrimEnd(',').Replace(",", "", StringComparison.Ordinal);
        var value = decimal.Parse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return value.ToString("0.############################", CultureInfo.InvariantCulture);
    }

    /// <summary>True when <paramref name="c"/> may continue a number being written (so a stream holds it back).</summary>
    public static bool IsNumberChar(char c) => char.IsAsciiDigit(c) || c is ',' or '.';

    [GeneratedRegex(@"\d[\d,]*(?:\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex NumberRegex();
}
