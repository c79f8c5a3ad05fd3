using System.Globalization;
using System.Text.RegularExpressions;
using LedgerX.Nlp.Domain.Categorization;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Domain.Interpreting;

/// <summary>The slot readers other than periods. Each works on normalised text and reports every candidate it sees,
/// so the interpreter can refuse when a question names two of something.</summary>
public static partial class SlotExtractor
{
    /// <summary>Categories named, with whether a typo had to be corrected. Words shorter than five letters are only
    /// taken as written: one edit away from "rent" are "sent", "went" and "rest".</summary>
    public static (IReadOnlyList<string> Categories, bool Corrected) FindCategories(string normalized)
    {
        var found = new List<string>();
        var corrected = false;
        var text = normalized;
        foreach (var (phrase, category) in Categories.Synonyms.Where(s => s.Key.Contains(' ', StringComparison.Ordinal)))
        {
            if (!text.Contains(" " + phrase + " ", StringComparison.Ordinal)) continue;
            found.Add(category);
            text = text.Replace(" " + phrase + " ", "  ", StringComparison.Ordinal);
        }
        foreach (var token in Words.Tokens(text))
        {
            if (Categories.Synonyms.TryGetValue(token, out var exact)) { found.Add(exact); continue; }
            if (token.Length < 5 || IgnoredNearMisses.Contains(token)) continue;
            var near = Categories.Synonyms.Where(s => s.Key.Length >= 5 && !s.Key.Contains(' ', StringComparison.Ordinal)
                && Words.Distance(token, s.Key) <= 1).Select(s => s.Value).Distinct().ToList();
            if (near.Count == 1) { found.Add(near[0]); corrected = true; }
        }
        return (found.Distinct().ToList(), corrected);
    }

    /// <summary>Ordinary question words one edit from a category word ("others" → "other" is right; these are not).</summary>
    private static readonly HashSet<string> IgnoredNearMisses = ["travels", "dinner", "others", "health'"];

    /// <summary>"at Rewe", "to Anna Keller", "bei Lidl": the one or two words after the preposition, stopping at a
    /// word that belongs to the rest of the question.</summary>
    public static string? FindCounterparty(string normalizedWithoutPeriods)
    {
        // Overlapping matches: "compared to last month at Rewe" must get past the first "to".
        for (var at = 0; at < normalizedWithoutPeriods.Length;)
        {
            var match = CounterpartyRegex().Match(normalizedWithoutPeriods, at);
            if (!match.Success) return null;
            var words = new List<string>();
            foreach (var word in match.Groups["rest"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (StopWords.Contains(word) || Categories.Synonyms.ContainsKey(word) || word.Any(char.IsDigit) || words.Count == 2) break;
                words.Add(word);
            }
            if (words.Count > 0) return string.Join(' ', words);
            at = match.Index + 1;
        }
        return null;
    }

    private static readonly HashSet<string> StopWords =
    [
        "the", "my", "a", "an", "this", "last", "in", "on", "since", "for", "and", "or", "than", "compared", "so",
        "during", "each", "every", "per", "month", "week", "year", "total", "all", "me", "i", "it", "from", "to",
        "at", "with", "end", "least", "most", "much", "many", "account", "im", "letzten", "diesen", "seit", "und",
        "ausgegeben", "bezahlt", "gezahlt", "insgesamt", "spent", "spend", "paid", "pay", "did", "do", "have",
        "overall", "altogether", "date", "vs", "versus", "over", "above", "ueber", "before", "after",
    ];

    [GeneratedRegex(@" (?:at|to|from|bei|an|with) (?<rest>[a-z][a-z0-9&'.\- ]*)")]
    private static partial Regex CounterpartyRegex();

    /// <summary>"over 100 EUR", "more than €50", "über 1,000.50 euro", "> 20". Returns the threshold and the text
    /// with it blanked.</summary>
    public static (AmountThreshold? Threshold, string Remaining) FindThreshold(string normalized)
    {
        var match = ThresholdRegex().Match(normalized);
        if (!match.Success) return (null, normalized);
        var currency = CurrencyCode(match.Groups["pre"].Value) ?? CurrencyCode(match.Groups["post"].Value);
        var amount = decimal.Parse(match.Groups["n"].Value.Replace(",", "", StringComparison.Ordinal), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var minor = (long)decimal.Round(amount * (decimal)Math.Pow(10, Money.Exponent(currency ?? "EUR")));
        var rest = normalized.Remove(match.Index, match.Length).Insert(match.Index, new string(' ', match.Length));
        return (new AmountThreshold(minor, currency), rest);
    }

    private static string? CurrencyCode(string text) => text.Trim() switch
    {
        "€" or "eur" or "euro" or "euros" => "EUR",
        "$" or "usd" or "dollar" or "dollars" => "USD",
        "£" or "gbp" or "pound" or "pounds" => "GBP",
        "chf" or "franken" => "CHF",
        _ => null,
    };

    [GeneratedRegex(@" (?:over|above|more than|greater than|larger than|bigger than|at least|exceeding|ueber|mehr als|>) ?(?<pre>€|\$|£)? ?(?<n>\d[\d,]*(?:\.\d{1,2})?) ?(?<post>eur|euro|euros|usd|dollars?|gbp|pounds?|chf|franken|€|\$|£)?(?= )")]
    private static partial Regex ThresholdRegex();

    /// <summary>"top 5", "5 largest", "three biggest", "die 3 größten".</summary>
    public static int? FindCount(string normalizedWithoutPeriodsAndAmounts)
    {
        var match = CountRegex().Match(normalizedWithoutPeriodsAndAmounts);
        if (!match.Success) return null;
        return Words.Number(match.Groups["n"].Success ? match.Groups["n"].Value : match.Groups["n2"].Value);
    }

    [GeneratedRegex(@" (?:top (?<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twenty|eins|zwei|drei|vier|fuenf|zehn)|(?<n2>\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|twenty|zwei|drei|vier|fuenf|zehn) (?:largest|biggest|highest|most expensive|largest|groessten|hoechsten|teuersten|top|payees|merchants|counterparties|transactions|payments|purchases|expenses|unusual))(?= )")]
    private static partial Regex CountRegex();

    /// <summary>"account ending 4821", "account ...4821", "savings account", "Sparkonto".</summary>
    public static AccountReference? FindAccount(string normalized)
    {
        var digits = AccountDigitsRegex().Match(normalized);
        if (digits.Success) return new AccountReference(digits.Groups["d"].Value, null);
        var named = AccountNameRegex().Match(normalized);
        if (!named.Success) return null;
        var name = named.Groups["name"].Value switch
        {
            "spar" or "savings" => "savings",
            "giro" or "checking" or "current" or "everyday" => "everyday",
            var other => other,
        };
        return new AccountReference(null, name);
    }

    [GeneratedRegex(@" (?:account|konto|card|karte)(?: number)?(?: ending| endet)?(?: in| with| auf| mit)? ?(?:\.{2,3}|x{2,4}|\*{2,4})? ?(?<d>\d{4})(?= )")]
    private static partial Regex AccountDigitsRegex();

    [GeneratedRegex(@" (?:(?<name>savings|checking|current|everyday|joint) account|(?<name>spar|giro)konto)(?= )")]
    private static partial Regex AccountNameRegex();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidRegex();

    public static IReadOnlyList<Guid> FindRecordIds(string original) =>
        GuidRegex().Matches(original).Select(m => Guid.Parse(m.Value)).Distinct().ToList();

    public static string BlankRecordIds(string normalized) => GuidRegex().Replace(normalized, m => new string(' ', m.Length));
}
