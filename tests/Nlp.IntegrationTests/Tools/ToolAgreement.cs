using System.Text.Json;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;
using LedgerX.Nlp.IntegrationTests.Tools.Infrastructure;

namespace LedgerX.Nlp.IntegrationTests.Tools;

/// <summary>What the tool tests share: the tools of a question for one user with a given token, the reference tools
/// over what was seeded, and a comparison of results by their JSON (records with lists compare by reference).</summary>
internal static class ToolAgreement
{
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Asker AskerOf(string user) => new(user, Berlin);

    public static QuestionContext Question(LedgerAndFraud apps, string user, string token, string text = "(tool test)") =>
        new(Guid.CreateVersion7(), AskerOf(user), text, "en", token, apps.Clock.GetUtcNow());

    public static NlpTools DaprTools(LedgerAndFraud apps, string user, string? token = null) =>
        apps.Tools.For(Question(apps, user, token ?? TwoCustomers.Token(user)));

    public static NlpTools Reference(LedgerAndFraud apps) => new ReferenceTools(apps.Scenario.Expected).AsTools();

    public static string AsJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static void ShouldAgree<T>(this T actual, T expected, string what) =>
        Assert.True(AsJson(expected) == AsJson(actual), $"{what}:{Environment.NewLine}expected {AsJson(expected)}{Environment.NewLine}got {AsJson(actual)}");

    /// <summary>All of the scenario, and two halves split at the fourth payment (the end is exclusive, the start inclusive).</summary>
    public static (Period All, Period Early, Period Late, Period Before) Periods(TwoCustomers s)
    {
        var split = s.EntriesOf(s.AliceEveryday)[3].OccurredAt;
        return (new Period(s.First.AddMinutes(-1), s.Last.AddMinutes(1), "all"), new Period(s.First.AddMinutes(-1), split, "early"),
            new Period(split, s.Last.AddMinutes(1), "late"), new Period(s.First.AddDays(-10), s.First.AddDays(-9), "before"));
    }
}
