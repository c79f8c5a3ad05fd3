namespace LedgerX.Nlp.Domain.Categorization;

/// <summary>The spending categories, by their stable names, and the words a question may use for each (English and
/// German, folded as <see cref="Interpreting.Words.Normalize"/> folds them).</summary>
public static class Categories
{
    public const string Groceries = "groceries";
    public const string Rent = "rent";
    public const string Salary = "salary";
    public const string Utilities = "utilities";
    public const string Transport = "transport";
    public const string Dining = "dining";
    public const string Entertainment = "entertainment";
    public const string Health = "health";
    public const string Transfers = "transfers";
    public const string Other = "other";

    public static IReadOnlyList<string> All { get; } =
        [Groceries, Rent, Salary, Utilities, Transport, Dining, Entertainment, Health, Transfers, Other];

    /// <summary>Question words → category. Multi-word phrases are matched before single words.</summary>
    public static IReadOnlyDictionary<string, string> Synonyms { get; } = new Dictionary<string, string>
    {
        ["groceries"] = Groceries, ["grocery"] = Groceries, ["supermarket"] = Groceries, ["supermarkets"] = Groceries,
        ["food shopping"] = Groceries, ["lebensmittel"] = Groceries, ["einkaeufe"] = Groceries,
        ["rent"] = Rent, ["miete"] = Rent, ["housing"] = Rent,
        ["salary"] = Salary, ["wages"] = Salary, ["gehalt"] = Salary, ["paycheck"] = Salary,
        ["utilities"] = Utilities, ["utility"] = Utilities, ["electricity"] = Utilities, ["internet"] = Utilities,
        ["bills"] = Utilities, ["strom"] = Utilities, ["nebenkosten"] = Utilities,
        ["transport"] = Transport, ["transportation"] = Transport, ["travel"] = Transport, ["commute"] = Transport,
        ["commuting"] = Transport, ["fuel"] = Transport, ["petrol"] = Transport, ["taxis"] = Transport,
        ["verkehr"] = Transport, ["mobilitaet"] = Transport,
        ["dining"] = Dining, ["eating out"] = Dining, ["restaurants"] = Dining, ["restaurant"] = Dining,
        ["takeaway"] = Dining, ["cafes"] = Dining, ["coffee"] = Dining, ["essen gehen"] = Dining, ["gastronomie"] = Dining,
        ["entertainment"] = Entertainment, ["streaming"] = Entertainment, ["movies"] = Entertainment,
        ["cinema"] = Entertainment, ["concerts"] = Entertainment, ["unterhaltung"] = Entertainment, ["freizeit"] = Entertainment,
        ["health"] = Health, ["healthcare"] = Health, ["pharmacy"] = Health, ["medical"] = Health, ["doctor"] = Health,
        ["gesundheit"] = Health, ["apotheke"] = Health,
        ["transfers"] = Transfers, ["ueberweisungen"] = Transfers,
        ["other"] = Other, ["miscellaneous"] = Other, ["sonstiges"] = Other,
    };
}
