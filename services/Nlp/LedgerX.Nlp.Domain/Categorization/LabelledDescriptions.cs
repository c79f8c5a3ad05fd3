using System.Globalization;
using System.Text;

namespace LedgerX.Nlp.Domain.Categorization;

/// <summary>One labelled bank-statement line; HeldOut rows are never trained on, only scored.</summary>
public sealed record LabelledDescription(string Description, string Category, bool HeldOut);

/// <summary>The synthetic labelled set the categorizer is trained on: statement lines in the shapes German and British
/// banks print (card payments, direct debits, standing orders, transfers), many merchants per category, numbers and
/// cities as noise. Deterministic (fixed seed); every fifth row after shuffling is held out.</summary>
public static class LabelledDescriptions
{
    public const int Seed = 600;
    public const int PerCategory = 66;

    private static readonly Dictionary<string, string[]> Merchants = new()
    {
        [Categories.Groceries] = ["REWE", "LIDL", "ALDI SUED", "EDEKA", "NETTO MARKEN-DISCOUNT", "KAUFLAND", "PENNY MARKT", "TESCO", "SAINSBURYS", "BIOMARKT DENNS", "ASDA SUPERSTORE", "WAITROSE"],
        [Categories.Rent] = ["MIETE WOHNUNG", "HAUSVERWALTUNG SCHMIDT", "RENT FLAT 3B", "VONOVIA MIETE", "DEUTSCHE WOHNEN", "LANDLORD RENT PAYMENT", "WOHNUNGSBAU GMBH MIETE"],
        [Categories.Salary] = ["GEHALT CONTOSO GMBH", "SALARY NORTHWIND LTD", "PAYROLL FABRIKAM", "LOHN TAILSPIN AG", "GEHALT ADVENTURE WORKS", "SALARY WINGTIP PLC", "BEZUEGE LAND BERLIN"],
        [Categories.Utilities] = ["STADTWERKE", "VATTENFALL STROM", "TELEKOM DEUTSCHLAND", "VODAFONE GMBH", "GASAG", "E.ON ENERGIE", "BRITISH GAS", "THAMES WATER", "O2 MOBILFUNK", "RUNDFUNKBEITRAG"],
        [Categories.Transport] = ["DB BAHN", "UBER BV", "BVG TICKET", "SHELL TANKSTELLE", "ARAL STATION", "TFL TRAVEL CH", "FREENOW", "MILES MOBILITY", "FLIXBUS", "ESSO STATION", "LIME SCOOTER"],
        [Categories.Dining] = ["VAPIANO", "STARBUCKS", "PIZZERIA ROMA", "SUSHI CIRCLE", "MCDONALDS", "BURGER KING", "LIEFERANDO", "DELIVEROO", "CAFE EINSTEIN", "PRET A MANGER", "WAGAMAMA", "RESTAURANT ZUM LOEWEN"],
        [Categories.Entertainment] = ["NETFLIX.COM", "SPOTIFY", "CINEMAXX", "DISNEY PLUS", "STEAM GAMES", "EVENTIM TICKETS", "AMAZON PRIME VIDEO", "PLAYSTATION STORE", "KINO INTERNATIONAL", "AUDIBLE"],
        [Categories.Health] = ["APOTHEKE AM MARKT", "DR. WEBER PRAXIS", "BOOTS PHARMACY", "ZAHNARZT DR. KLEIN", "FIELMANN OPTIK", "PHYSIOTHERAPIE MUELLER", "DOCMORRIS", "SHOP APOTHEKE", "MCFIT STUDIO"],
        [Categories.Transfers] = ["ANNA KELLER", "SPARKONTO", "TAGESGELD", "JONAS WEBER", "DEPOT", "MARIA SCHULZ", "TOM BAKER"],
        [Categories.Other] = ["AMAZON MKTPLACE", "IKEA", "MEDIAMARKT", "ZALANDO", "H&M", "DECATHLON", "DOUGLAS", "THALIA", "SATURN", "OTTO VERSAND", "PRIMARK"],
    };

    private static readonly string[] Cities = ["BERLIN", "MUENCHEN", "HAMBURG", "KOELN", "LONDON", "LEIPZIG", "FRANKFURT"];

    private static readonly Dictionary<string, string[]> Shapes = new()
    {
        [Categories.Rent] = ["DAUERAUFTRAG {M} {N}", "{M} {MON}", "SEPA UEBERWEISUNG {M} REF {N}", "STANDING ORDER {M}"],
        [Categories.Salary] = ["{M} {MON}", "SEPA GUTSCHRIFT {M}", "{M} REF {N}", "CREDIT {M} {MON}"],
        [Categories.Utilities] = ["LASTSCHRIFT {M} {N}", "DD {M} {N}", "{M} ABSCHLAG {MON}", "DIRECT DEBIT {M} REF {N}"],
        [Categories.Transfers] = ["UEBERWEISUNG AN {M}", "TRANSFER TO {M}", "UMBUCHUNG {M}", "SEPA {M} {N}", "ECHTZEITUEBERWEISUNG {M}"],
    };

    private static readonly string[] CardShapes =
        ["KARTENZAHLUNG {M} {C}", "CARD PAYMENT {M} {C} {DD}/{MM}", "POS {M} {N}", "{M} {C} CONTACTLESS", "VISA {M} REF{N}", "GIROCARD {M} {C}"];

    private static readonly string[] MonthsShort = ["JAN", "FEB", "MAR", "APR", "MAI", "JUN", "JUL", "AUG", "SEP", "OKT", "NOV", "DEZ"];

    public static IReadOnlyList<LabelledDescription> Generate()
    {
        var random = new Random(Seed);
        var rows = new List<(string Description, string Category)>();
        foreach (var category in Categories.All)
        {
            var shapes = Shapes.GetValueOrDefault(category) ?? CardShapes;
            for (var n = 0; n < PerCategory; n++)
            {
                var merchants = Merchants[category];
                var text = shapes[random.Next(shapes.Length)]
                    .Replace("{M}", merchants[random.Next(merchants.Length)], StringComparison.Ordinal)
                    .Replace("{C}", Cities[random.Next(Cities.Length)], StringComparison.Ordinal)
                    .Replace("{N}", random.Next(1000, 999_999).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{DD}", (1 + random.Next(28)).ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{MM}", (1 + random.Next(12)).ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{MON}", MonthsShort[random.Next(12)], StringComparison.Ordinal);
                rows.Add((text, category));
            }
        }
        // Fisher–Yates with the same seed, then every fifth row is held out: each category lands in both splits.
        for (var i = rows.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
        return rows.Select((r, i) => new LabelledDescription(r.Description, r.Category, i % 5 == 0)).ToList();
    }

    /// <summary>"split,category,description" with a header; descriptions hold no commas.</summary>
    public static string ToCsv(IEnumerable<LabelledDescription> rows)
    {
        var builder = new StringBuilder("split,category,description\n");
        foreach (var row in rows)
            builder.Append(row.HeldOut ? "test" : "train").Append(',').Append(row.Category).Append(',').Append(row.Description).Append('\n');
        return builder.ToString();
    }

    public static IReadOnlyList<LabelledDescription> ParseCsv(string csv) =>
        csv.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line =>
        {
            var parts = line.Split(',', 3);
            if (parts.Length != 3 || !Categories.All.Contains(parts[1])) throw new FormatException("Not a labelled description: " + line);
            return new LabelledDescription(parts[2], parts[1], parts[0] == "test");
        }).ToList();
}
