using System.Globalization;

namespace LedgerX.EndToEnd.Tests.Nlp;

/// <summary>
/// nlp-service's API as a client uses it through the gateway (docs/api/nlp.md). Asking spends the gateway's small
/// <c>nlp</c> budget (10 at once, 1 more every 3 s per caller); set-up steps wait a 429 out, the assertions never do.
/// </summary>
public sealed class Questions(LedgerXSystem system)
{
    public const string Path = "/api/v1/questions";

    /// <summary>A loaded 2-core machine answers in well under a second; minutes is the bound for "never".</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public static readonly string[] FinalStatuses = ["answered", "refused", "failed", "cancelled", "expired"];

    /// <summary>POST /api/v1/questions as is: what the test asserts on (a plain client, no waiting out a 429).</summary>
    public async Task<HttpResponseMessage> PostAsync(Caller asker, string question, string timeZone = "UTC")
    {
        using var http = system.Client();
        using var request = asker.Request(HttpMethod.Post, Path, new { question, timeZone });
        return await http.SendAsync(request);
    }

    /// <summary>Asks and returns the accepted question (202), for tests about what happens next.</summary>
    public async Task<JsonObject> AskAsync(Caller asker, string question, string timeZone = "UTC") =>
        await system.Ledger.SendOkAsync(asker, HttpMethod.Post, Path, new { question, timeZone }, HttpStatusCode.Accepted);

    /// <summary>The question once it is final (answered, refused, failed, cancelled, expired), read as its asker.</summary>
    public async Task<JsonObject> FinalAsync(Caller asker, string id)
    {
        JsonObject question = null!;
        await Eventually.SucceedsAsync(async () =>
        {
            question = await system.Ledger.SendOkAsync(asker, HttpMethod.Get, $"{Path}/{id}", null, HttpStatusCode.OK);
            FinalStatuses.ShouldContain(Status(question), question.ToJsonString());
        }, Patience);
        return question;
    }

    public async Task<JsonObject> AskAndWaitAsync(Caller asker, string question) =>
        await FinalAsync(asker, Id(await AskAsync(asker, question)));

    public static string Id(JsonObject question) => question["id"]!.GetValue<string>();

    public static string Status(JsonObject question) => question["status"]!.GetValue<string>();

    /// <summary>The answer's figures in order, name → value ("spent.groceries.EUR" → "40.75 EUR"). Names may repeat (two
    /// accounts of the same name each have a balance), so this is a list, not a map.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Figures(JsonObject question) =>
        [.. (question["answer"]?["figures"]?.AsArray() ?? []).Select(f => KeyValuePair.Create(f!["name"]!.GetValue<string>(), f["value"]!.GetValue<string>()))];

    /// <summary>The ids the answer cites, of the given kind (entry, account, flag, reversal) or all.</summary>
    public static IReadOnlyList<string> Cited(JsonObject question, string? kind = null) =>
        [.. (question["answer"]?["citations"]?.AsArray() ?? [])
            .Where(c => kind is null || c!["kind"]!.GetValue<string>() == kind)
            .Select(c => c!["id"]!.GetValue<string>())];

    public static string Text(JsonObject question) => question["answer"]?["text"]?.GetValue<string>() ?? "";

    /// <summary>Money as answers print it (the domain's Money: "1,234.56 EUR").</summary>
    public static string Money(long minor, string currency = Ledger.Currency) =>
        (minor / 100m).ToString("N2", CultureInfo.InvariantCulture) + " " + currency;
}
