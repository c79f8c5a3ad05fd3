namespace LedgerX.Nlp.Domain.Categorization;

/// <summary>The rules that run before the model: keywords of descriptions and counterparties whose category is
/// certain (a standing order called MIETE is rent, a REWE card payment is groceries). First matching rule wins, so the
/// more specific words come first (a rent paid by transfer is rent, not a transfer).</summary>
public static class CategoryRules
{
    private static readonly (string Keyword, string Category)[] Rules =
    [
        ("MIETE", Categories.Rent), ("RENT ", Categories.Rent), ("HAUSVERWALTUNG", Categories.Rent), ("WOHNUNG", Categories.Rent),
        ("GEHALT", Categories.Salary), ("SALARY", Categories.Salary), ("PAYROLL", Categories.Salary), ("LOHN ", Categories.Salary),
        ("STADTWERKE", Categories.Utilities), ("STROM", Categories.Utilities), ("TELEKOM", Categories.Utilities),
        ("VODAFONE", Categories.Utilities), ("GASAG", Categories.Utilities),
        ("REWE", Categories.Groceries), ("LIDL", Categories.Groceries), ("ALDI", Categories.Groceries), ("EDEKA", Categories.Groceries),
        ("UBER ", Categories.Transport), ("BVG", Categories.Transport), ("DB BAHN", Categories.Transport), ("SHELL", Categories.Transport),
        ("ARAL", Categories.Transport),
        ("NETFLIX", Categories.Entertainment), ("SPOTIFY", Categories.Entertainment),
        ("APOTHEKE", Categories.Health), ("PHARMACY", Categories.Health),
        ("UMBUCHUNG", Categories.Transfers), ("UEBERWEISUNG AN", Categories.Transfers), ("TRANSFER TO", Categories.Transfers),
    ];

    /// <summary>The category a rule gives, or null when no rule knows this description.</summary>
    public static string? Match(string description, string? counterparty = null)
    {
        var text = " " + (description + " " + counterparty).ToUpperInvariant() + " ";
        foreach (var (keyword, category) in Rules)
            if (text.Contains(keyword, StringComparison.Ordinal)) return category;
        return null;
    }
}
