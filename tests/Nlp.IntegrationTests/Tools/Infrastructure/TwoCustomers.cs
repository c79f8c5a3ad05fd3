using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Nlp.Domain.Categorization;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Nlp.IntegrationTests.Tools.Infrastructure;

/// <summary>
/// Alice (an everyday and a savings account) and Bob (an everyday account), seeded through the ledger's API: salary
/// deposits, card payments with and without a category and a counterparty in the metadata, a transfer from Bob to
/// Alice, a large deposit drained to new payees a few minutes later (fraud-service flags it), and a reversal Alice
/// asks for. <see cref="Expected"/> is what was seeded (ids and times as the ledger assigned them, alerts as
/// fraud-service raised them), as the domain's dataset: the reference tools over it are what the Dapr tools must say.
/// </summary>
public sealed class TwoCustomers
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(3);

    private readonly ToolsLedgerApp _ledger;
    private readonly ToolsFraudApp _fraud;
    private readonly DownstreamClock _clock;
    private readonly List<DatasetAccount> _accounts = [];
    private readonly List<DatasetEntry> _entries = [];
    private readonly Dictionary<Guid, int> _movements = [];

    private TwoCustomers(ToolsLedgerApp ledger, ToolsFraudApp fraud, DownstreamClock clock, string run)
    {
        _ledger = ledger;
        _fraud = fraud;
        _clock = clock;
        Alice = "nlp-alice-" + run;
        Bob = "nlp-bob-" + run;
        Shops = "nlp-shops-" + run;
    }

    public string Alice { get; }
    public string Bob { get; }
    public string Shops { get; }
    public Guid AliceEveryday { get; private set; }
    public Guid AliceSavings { get; private set; }
    public Guid BobEveryday { get; private set; }
    public Guid DrainEntry { get; private set; }
    public Guid ReversedEntry { get; private set; }
    public Guid ReversalId { get; private set; }
    public SyntheticDataset Expected { get; private set; } = null!;

    /// <summary>The first and last instants the scenario posted at.</summary>
    public DateTimeOffset First => _entries.Min(e => e.OccurredAt);
    public DateTimeOffset Last => _entries.Max(e => e.OccurredAt);

    public IReadOnlyList<DatasetEntry> EntriesOf(Guid account) => [.. _entries.Where(e => e.AccountId == account).OrderBy(e => e.OccurredAt)];

    /// <summary>A token for <paramref name="user"/> with a customer's permissions (auth-service's Customer role), or
    /// those given.</summary>
    public static string Token(string user, params string[] permissions) => TestTokens.Shared.Mint(user,
        permissions.Length > 0 ? permissions : [Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.AnalyticsRead, Permissions.NlpAsk],
        expiresIn: TokenLifetime);

    private static string Teller => TestTokens.Shared.Mint("nlp-it-teller",
        [Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.LedgerFund, Permissions.AccountsAny], expiresIn: TokenLifetime);

    private static string Analyst => TestTokens.Shared.Mint("nlp-it-analyst",
        [Permissions.LedgerRead, Permissions.AccountsAny, Permissions.FraudReview], expiresIn: TokenLifetime);

    public static async Task<TwoCustomers> SeedAsync(ToolsLedgerApp ledger, ToolsFraudApp fraud, DownstreamClock clock)
    {
        var s = new TwoCustomers(ledger, fraud, clock, Guid.NewGuid().ToString("N")[..8]);
        await s.SeedAsync();
        return s;
    }

    private async Task SeedAsync()
    {
        AliceEveryday = await OpenAsync(Alice, "Everyday", "4821");
        AliceSavings = await OpenAsync(Alice, "Savings", "7730");
        BobEveryday = await OpenAsync(Bob, "Everyday", "1190");
        var grocer = await OpenAsync(Shops, "Grocer", "0001");
        var exchange = await OpenAsync(Shops, "Exchange", "0002");
        var watches = await OpenAsync(Shops, "Watches", "0003");

        await DepositAsync(AliceEveryday, 100_000, "GEHALT CONTOSO GMBH", "salary", "Contoso GmbH");
        var payments = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            _clock.Advance(TimeSpan.FromDays(1));
            // Even days carry a category (in another case: the tools lower-case it), odd ones none (the categorizer
            // reads the description); the first three name the counterparty in the metadata, the rest do not.
            payments.Add(await TransferAsync(Alice, AliceEveryday, grocer, 3_000 + (i * 37), $"KARTENZAHLUNG REWE MARKT {i}",
                i % 2 == 0 ? "Groceries" : null, i < 3 ? "REWE" : null));
        }
        _clock.Advance(TimeSpan.FromHours(2));
        await DepositAsync(AliceSavings, 250_000, "SPARPLAN EINZAHLUNG", "transfers", null);
        _clock.Advance(TimeSpan.FromHours(2));
        await DepositAsync(BobEveryday, 80_000, "GEHALT FABRIKAM AG", "salary", "Fabrikam AG");
        await TransferAsync(Bob, BobEveryday, AliceEveryday, 15_000, "UEBERWEISUNG AN ALICE MARTIN", null, "Alice Martin");
        await TransferAsync(Bob, BobEveryday, grocer, 4_200, "KARTENZAHLUNG LIDL FILIALE", null, null);

        // A large deposit, sent on to two payees never paid before within minutes: fraud-service's drain rule fires.
        _clock.Advance(TimeSpan.FromDays(1));
        await DepositAsync(AliceEveryday, 2_500_000, "BONUS CONTOSO GMBH", "salary", "Contoso GmbH");
        _clock.Advance(TimeSpan.FromMinutes(3));
        await TransferAsync(Alice, AliceEveryday, exchange, 1_200_000, "UEBERWEISUNG AN CRYPTO EXCHANGE LTD", null, null);
        _clock.Advance(TimeSpan.FromMinutes(1));
        DrainEntry = await TransferAsync(Alice, AliceEveryday, watches, 1_100_000, "KARTENZAHLUNG LUXURY WATCHES", "Shopping", "Luxury Watches");

        _clock.Advance(TimeSpan.FromHours(1));
        ReversedEntry = payments[^1];
        await ReverseAsync(AliceEveryday, ReversedEntry);

        var alerts = new List<DatasetFlag>();
        foreach (var account in new[] { AliceEveryday, AliceSavings, BobEveryday })
        {
            await WaitForMovementsAsync(account);
            alerts.AddRange(await AlertsAsync(account));
        }
        var reversal = await GetAsync($"/api/v1/reversals/{ReversalId}", Teller, _ledger.Client);
        var status = reversal["status"]!.GetValue<string>();
        var reversals = new List<DatasetReversal>
        {
            new(ReversalId, ReversedEntry, status, reversal["requestedAt"]!.GetValue<DateTimeOffset>(),
                status is "completed" or "failed" ? reversal["updatedAt"]!.GetValue<DateTimeOffset>() : null,
                reversal["failureReason"]?.GetValue<string>()),
        };
        Expected = new SyntheticDataset(Last, [], _accounts, [.. _entries.OrderBy(e => e.OccurredAt)], alerts, reversals);
    }

    private async Task<Guid> OpenAsync(string owner, string name, string last4)
    {
        var account = await PostAsync("/api/v1/accounts", new { currency = "EUR", metadata = new Dictionary<string, string> { ["name"] = name, ["last4"] = last4 } },
            Token(owner));
        var id = account["id"]!.GetValue<Guid>();
        if (owner != Shops) _accounts.Add(new DatasetAccount(id, owner, name, last4, "EUR", 0));
        return id;
    }

    private async Task DepositAsync(Guid account, long amount, string description, string category, string? counterparty)
    {
        var entry = await PostAsync("/api/v1/deposits", Movement(new { accountId = account, amount, currency = "EUR" }, description, category, counterparty), Teller);
        Record(entry, account, amount, description, category, counterparty);
        await WaitForMovementsAsync(account);
    }

    private async Task<Guid> TransferAsync(string payer, Guid from, Guid to, long amount, string description, string? category, string? counterparty)
    {
        var entry = await PostAsync("/api/v1/transfers",
            Movement(new { fromAccountId = from, toAccountId = to, amount, currency = "EUR" }, description, category, counterparty), Token(payer));
        Record(entry, from, -amount, description, category, counterparty);
        if (_accounts.Any(a => a.Id == to)) Record(entry, to, amount, description, category, counterparty);
        await WaitForMovementsAsync(from);
        return entry["id"]!.GetValue<Guid>();
    }

    private static JsonObject Movement(object money, string description, string? category, string? counterparty)
    {
        var body = JsonSerializer.SerializeToNode(money, Json)!.AsObject();
        body["description"] = description;
        if (category is not null) body["category"] = category;
        if (counterparty is not null) body["metadata"] = new JsonObject { ["counterparty"] = counterparty };
        return body;
    }

    /// <summary>The entry as the account saw it, with category and counterparty by the tools' documented rules
    /// (docs/adr/0018, "Data sources"): a description without a category is one the category rules know, so the
    /// expected category is the rules' and not a model's guess.</summary>
    private void Record(JsonObject entry, Guid account, long signed, string description, string? category, string? counterparty)
    {
        if (!_accounts.Any(a => a.Id == account)) return;
        var expectedCategory = category?.ToLowerInvariant()
            ?? CategoryRules.Match(description) ?? throw new InvalidOperationException($"No category rule knows '{description}': pick a description one does.");
        _entries.Add(new DatasetEntry(entry["id"]!.GetValue<Guid>(), account, entry["postedAt"]!.GetValue<DateTimeOffset>(), signed, description,
            counterparty ?? description, expectedCategory));
        _movements[account] = _movements.GetValueOrDefault(account) + 1;
    }

    private async Task ReverseAsync(Guid account, Guid entryId)
    {
        var reversal = await PostAsync("/api/v1/reversals", new { entryId, reason = "charged twice" }, Token(Alice), HttpStatusCode.Accepted);
        ReversalId = reversal["id"]!.GetValue<Guid>();
        JsonObject current = reversal;
        await Poll.UntilAsync(async () =>
        {
            current = await GetAsync($"/api/v1/reversals/{ReversalId}", Teller, _ledger.Client);
            return current["status"]!.GetValue<string>() is "completed" or "failed";
        }, "the reversal to finish", TimeSpan.FromSeconds(90));
        if (current["reversalEntryId"]?.GetValue<Guid>() is { } reversing)
        {
            // The saga's reversing entry: the ledger's own, read back as it was posted.
            var entry = await GetAsync($"/api/v1/entries/{reversing}", Teller, _ledger.Client);
            var posting = entry["postings"]!.AsArray().Single(p => p!["accountId"]!.GetValue<Guid>() == account)!;
            var signed = posting["direction"]!.GetValue<string>() == "credit" ? posting["amount"]!.GetValue<long>() : -posting["amount"]!.GetValue<long>();
            var description = entry["description"]?.GetValue<string>() ?? "";
            var category = entry["category"]?.GetValue<string>();
            var metadata = entry["metadata"]?.AsObject();
            _entries.Add(new DatasetEntry(reversing, account, entry["postedAt"]!.GetValue<DateTimeOffset>(), signed, description,
                metadata?["counterparty"]?.GetValue<string>() ?? description,
                category?.ToLowerInvariant() ?? CategoryRules.Match(description) ?? ReversingEntryCategory(description)));
            // Not a movement for fraud-service: a reversal gives money back, it is not scored.
        }
    }

    /// <summary>The ledger writes the reversing entry's description; when no rule knows it, the categorizer's model decides,
    /// as it would in the service (the same model, trained on the same committed set).</summary>
    private static string ReversingEntryCategory(string description) =>
        string.IsNullOrWhiteSpace(description) ? Categories.Other : Categorizer.Value.Categorize(description).Category;

    private static readonly Lazy<TransactionCategorizer> Categorizer = new(() => TransactionCategorizer.Train(LabelledDescriptions.Generate()));

    /// <summary>fraud-service has scored every movement of the account so far (so its alerts are final).</summary>
    private async Task WaitForMovementsAsync(Guid account)
    {
        if (!_movements.TryGetValue(account, out var count)) return;
        await Poll.UntilAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/accounts/{account}/risk-profile");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Analyst);
            using var response = await _fraud.Client.SendAsync(request);
            return response.StatusCode == HttpStatusCode.OK
                && (await response.Content.ReadFromJsonAsync<JsonObject>(Json))!["movements"]!.GetValue<long>() >= count;
        }, $"{count} movements of {account} to be scored", TimeSpan.FromSeconds(60));
    }

    private async Task<List<DatasetFlag>> AlertsAsync(Guid account)
    {
        var page = await GetAsync($"/api/v1/alerts?accountId={account}&limit=200", Analyst, _fraud.Client);
        return [.. page["items"]!.AsArray().Where(a => a!["entryId"] is not null).Select(a => new DatasetFlag(a!["id"]!.GetValue<Guid>(),
            a["entryId"]!.GetValue<Guid>(), (int)Math.Round(a["score"]!.GetValue<double>(), MidpointRounding.AwayFromZero),
            a["createdAt"]!.GetValue<DateTimeOffset>(), [.. a["reasons"]!.AsArray().Select(r => r!["ruleType"]!.GetValue<string>())]))];
    }

    private async Task<JsonObject> PostAsync(string path, object body, string token, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await _ledger.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected) throw new InvalidOperationException($"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task<JsonObject> GetAsync(string path, string token, HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
