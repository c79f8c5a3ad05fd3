using System.Text;

namespace LedgerX.Nlp.Domain.Interpreting;

/// <summary>Text helpers of the interpreter: normalisation, edit distance, numbers written as words.</summary>
public static class Words
{
    /// <summary>Lower case, German umlauts folded ("März" → "maerz"), punctuation other than what amounts, dates and
    /// ids need replaced by spaces, whitespace collapsed, padded with one space each side so " word " matches whole words.</summary>
    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append(' ');
        foreach (var raw in text.ToLowerInvariant())
        {
            var c = raw switch { '’' or '`' => '\'', '…' => '.', _ => raw };
            switch (c)
            {
                case 'ä': builder.Append("ae"); continue;
                case 'ö': builder.Append("oe"); continue;
                case 'ü': builder.Append("ue"); continue;
                case 'ß': builder.Append("ss"); continue;
            }
            var keep = char.IsLetterOrDigit(c) || c is '\'' or '.' or ',' or '-' or '€' or '$' or '£' or '>';
            builder.Append(keep ? c : ' ');
        }
        var collapsed = string.Join(' ', builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(token => token.Trim('.', ',', '\'', '-')).Where(token => token.Length > 0));
        return " " + collapsed + " ";
    }

    public static IReadOnlyList<string> Tokens(string normalized) =>
        normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Damerau–Levenshtein (optimal string alignment) distance, bounded: returns max+1 as soon as it is exceeded.</summary>
    public static int Distance(string a, string b, int max = 1)
    {
        if (Math.Abs(a.Length - b.Length) > max) return max + 1;
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            var rowMin = int.MaxValue;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                rowMin = Math.Min(rowMin, d[i, j]);
            }
            if (rowMin > max) return max + 1;
        }
        return d[a.Length, b.Length];
    }

    private static readonly Dictionary<string, int> Numbers = new()
    {
        ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7,
        ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["fifteen"] = 15, ["twenty"] = 20,
        ["thirty"] = 30, ["sixty"] = 60, ["ninety"] = 90, ["fourteen"] = 14, ["eins"] = 1, ["zwei"] = 2, ["drei"] = 3, ["vier"] = 4, ["fuenf"] = 5, ["sechs"] = 6,
        ["sieben"] = 7, ["acht"] = 8, ["neun"] = 9, ["zehn"] = 10,
    };

    /// <summary>"5" or "five" (or "fünf") → 5; anything else → null.</summary>
    public static int? Number(string token)
    {
        if (int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            return value;
        return Numbers.TryGetValue(token, out var word) ? word : null;
    }
}
