using LedgerX.Nlp.Domain.Categorization;

namespace LedgerX.Nlp.Domain.Evaluation;

public sealed record DatasetAccount(Guid Id, string UserId, string Name, string Last4, string Currency, long OpeningMinor);

/// <summary>A signed ledger entry (negative leaves the account) with its true category.</summary>
public sealed record DatasetEntry(Guid Id, Guid AccountId, DateTimeOffset OccurredAt, long AmountMinor, string Description, string Counterparty, string Category);

public sealed record DatasetFlag(Guid Id, Guid EntryId, int Score, DateTimeOffset FlaggedAt, IReadOnlyList<string> Reasons);

public sealed record DatasetReversal(Guid Id, Guid EntryId, string Status, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt, string? FailureReason);

public sealed record DatasetUser(string UserId, string DisplayName, string TimeZoneId);

/// <summary>A few users, their accounts and six months of transactions, flags and reversals: the world the evaluation
/// questions are asked about. Deterministic: the same seed gives the same ids, amounts and dates on every machine.</summary>
public sealed record SyntheticDataset(
    DateTimeOffset Now, IReadOnlyList<DatasetUser> Users, IReadOnlyList<DatasetAccount> Accounts, IReadOnlyList<DatasetEntry> Entries,
    IReadOnlyList<DatasetFlag> Flags, IReadOnlyList<DatasetReversal> Reversals)
{
    public const int Seed = 17;
    public const string Zone = "Europe/Berlin";

    /// <summary>"Now" of every evaluation question: mid-June 2026, so "last month" is May and "in March" is this year's.</summary>
    public static readonly DateTimeOffset EvaluationNow = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);

    private static readonly string[] Groceries = ["REWE", "Lidl", "Aldi Sued", "Edeka"];
    private static readonly string[] Dining = ["Vapiano", "Starbucks", "Pizzeria Roma", "Sushi Circle"];
    private static readonly string[] Transport = ["DB Bahn", "Uber", "Shell", "BVG"];
    private static readonly string[] Entertainment = ["Netflix", "Spotify", "Cinemaxx"];
    private static readonly string[] Health = ["Apotheke am Markt", "Dr. Weber Praxis"];
    private static readonly string[] Other = ["Amazon", "IKEA"];

    public static SyntheticDataset Generate(int seed = Seed)
    {
        var random = new Random(seed);
        Guid NextId()
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 layout, so the ids look like any other
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(bytes);
        }

        var users = new List<DatasetUser>
        {
            new("user-alice", "Alice Martin", Zone), new("user-bob", "Bob Keller", Zone), new("user-carol", "Carol Novak", Zone),
        };
        var accounts = new List<DatasetAccount>
        {
            new(NextId(), "user-alice", "Everyday", "4821", "EUR", 250_000),
            new(NextId(), "user-alice", "Savings", "7730", "EUR", 1_000_000),
            new(NextId(), "user-bob", "Everyday", "1190", "EUR", 80_000),
            new(NextId(), "user-carol", "Current", "5566", "GBP", 420_000),
        };
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var entries = new List<DatasetEntry>();
        void Add(DatasetAccount account, DateOnly day, long amount, string counterparty, string category, string description)
        {
            var local = day.ToDateTime(new TimeOnly(8 + random.Next(13), random.Next(60)));
            var at = new DateTimeOffset(local, zone.GetUtcOffset(local));
            if (at >= EvaluationNow) return;
            entries.Add(new DatasetEntry(NextId(), account.Id, at, amount, description, counterparty, category));
        }
        string Pick(string[] pool) => pool[random.Next(pool.Length)];
        long Between(int fromMajor, int toMajor) => (fromMajor * 100L) + random.Next((toMajor - fromMajor) * 100);

        var salaries = new Dictionary<string, (string Employer, long Amount, long Rent)>
        {
            ["user-alice"] = ("Contoso GmbH", 412_000, 145_000), ["user-bob"] = ("Fabrikam AG", 298_000, 98_000),
            ["user-carol"] = ("Northwind Ltd", 365_000, 160_000),
        };
        for (var month = new DateOnly(2025, 12, 1); month <= new DateOnly(2026, 6, 1); month = month.AddMonths(1))
        {
            foreach (var account in accounts.Where(a => a.Name != "Savings"))
            {
                var (employer, salary, rent) = salaries[account.UserId];
                Add(account, month, -rent, "Hausverwaltung Schmidt", Categories.Rent, "DAUERAUFTRAG MIETE HAUSVERWALTUNG SCHMIDT");
                Add(account, month.AddDays(4), -Between(60, 110), "Stadtwerke", Categories.Utilities, "LASTSCHRIFT STADTWERKE STROM");
                Add(account, month.AddDays(11), -3_999, "Telekom", Categories.Utilities, "LASTSCHRIFT TELEKOM INTERNET");
                Add(account, month.AddDays(24), salary, employer, Categories.Salary, "GEHALT " + employer.ToUpperInvariant());
                foreach (var (pool, category, times, low, high) in new[]
                {
                    (Groceries, Categories.Groceries, 6 + random.Next(3), 15, 120), (Dining, Categories.Dining, 3 + random.Next(4), 8, 60),
                    (Transport, Categories.Transport, 2 + random.Next(3), 3, 80), (Entertainment, Categories.Entertainment, 1 + random.Next(3), 9, 40),
                    (Health, Categories.Health, random.Next(3), 5, 90), (Other, Categories.Other, random.Next(3), 20, 150),
                })
                {
                    for (var n = 0; n < times; n++)
                    {
                        var merchant = Pick(pool);
                        Add(account, month.AddDays(random.Next(28)), -Between(low, high), merchant, category, "KARTENZAHLUNG " + merchant.ToUpperInvariant());
                    }
                }
            }
            var (aliceDay, aliceSavings) = (month.AddDays(25), accounts[1]);
            Add(accounts[0], aliceDay, -20_000, "Savings", Categories.Transfers, "UMBUCHUNG AUF SPARKONTO");
            Add(aliceSavings, aliceDay, 20_000, "Everyday", Categories.Transfers, "UMBUCHUNG VON GIROKONTO");
            Add(accounts[2], month.AddDays(14), -15_000, "Anna Keller", Categories.Transfers, "UEBERWEISUNG ANNA KELLER");
        }

        // The outliers fraud-service flagged, and the reversals asked for: one of each state.
        var flags = new List<DatasetFlag>();
        var unusual = new[]
        {
            (accounts[0], new DateOnly(2026, 3, 18), -189_900L, "Electronics World", new[] { "amount_deviation", "new_counterparty" }, 82),
            (accounts[0], new DateOnly(2026, 5, 30), -95_000L, "Crypto Exchange Ltd", new[] { "new_counterparty", "round_amount" }, 71),
            (accounts[2], new DateOnly(2026, 4, 3), -120_000L, "Luxury Watches", new[] { "amount_deviation", "unusual_hour" }, 77),
            (accounts[3], new DateOnly(2026, 6, 2), -80_000L, "Travel Deals Online", new[] { "new_counterparty" }, 64),
        };
        foreach (var (account, day, amount, counterparty, reasons, score) in unusual)
        {
            Add(account, day, amount, counterparty, Categories.Other, "KARTENZAHLUNG " + counterparty.ToUpperInvariant());
            var entry = entries[^1];
            flags.Add(new DatasetFlag(NextId(), entry.Id, score, entry.OccurredAt.AddSeconds(2), reasons));
        }
        var reversals = new List<DatasetReversal>();
        foreach (var (account, status, failure) in new[]
        {
            (accounts[0], "completed", (string?)null), (accounts[2], "requested", null), (accounts[3], "failed", "the merchant disputed the claim"),
        })
        {
            var original = entries.Where(e => e.AccountId == account.Id && e.Category == Categories.Other).OrderBy(e => e.OccurredAt).Last();
            var requested = original.OccurredAt.AddDays(2);
            reversals.Add(new DatasetReversal(NextId(), original.Id, status, requested, status == "requested" ? null : requested.AddDays(3), failure));
        }
        return new SyntheticDataset(EvaluationNow, users, accounts, entries.OrderBy(e => e.OccurredAt).ToList(), flags, reversals);
    }
}
