using System.Text.Json;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Model;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;
using Microsoft.Extensions.AI;

namespace LedgerX.Nlp.UnitTests.Model;

public sealed class ModelAnswererAnswersFromTools
{
    private static readonly SyntheticDataset Data = SyntheticDataset.Generate();
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById(SyntheticDataset.Zone);
    private static readonly Asker Alice = new("user-alice", Berlin);
    private static readonly CancellationToken Ct = CancellationToken.None;
    private const string Groceries = "How much did I spend on groceries last month?";

    private static readonly Dictionary<string, object?> GroceriesLastMonth = new() { ["period"] = "last month", ["category"] = "groceries" };

    private sealed class Streamed
    {
        public List<string> Pieces { get; } = [];
        public string Text => string.Concat(Pieces);
        public ValueTask Write(string piece, CancellationToken ct) { Pieces.Add(piece); return ValueTask.CompletedTask; }
    }

    private static async Task<(ModelAnswerResult Result, Streamed Streamed)> Ask(IChatClient model, string question, Asker? asker = null)
    {
        var streamed = new Streamed();
        var result = await new ModelAnswerer(model).AnswerAsync(asker ?? Alice, question, "en", new ReferenceTools(Data).AsTools(), Data.Now, streamed.Write, Ct);
        return (result, streamed);
    }

    private static async Task<Answer> Interpreter(string question, Asker? asker = null)
    {
        var i = new QuestionInterpreter().Interpret(question, Berlin, Data.Now).Interpretation!;
        return await AnswerPlanner.AnswerAsync(asker ?? Alice, i, new ReferenceTools(Data).AsTools(), Ct);
    }

    private static string Figure(JsonElement result, string name) => result.GetProperty("figures").GetProperty(name).GetString()!;

    [Fact]
    public async Task ModelChoosesTheToolAndPhrasesItsFigures()
    {
        var model = ScriptedChatClient.CallThenSay("spending_by_category", GroceriesLastMonth,
            r => $"Last month you spent {Figure(r, "spent.groceries.EUR")} on groceries.");

        var (result, streamed) = await Ask(model, Groceries);

        var expected = await Interpreter(Groceries);
        expected.Figures.ShouldNotBeEmpty();
        result.Answer.Figures.ShouldBe(expected.Figures, "figures come from the tool result, as the composer states them");
        result.Answer.Citations.ShouldBe(expected.Citations);
        result.Answer.Intent.ShouldBe(Intent.SpendingByCategory);
        result.Answer.Text.ShouldBe($"Last month you spent {expected.Figures[0].Value} on groceries.");
        result.ModelTextUsed.ShouldBeTrue();
        result.Ungrounded.ShouldBeFalse();
        result.PromptVersion.ShouldBe(ModelPrompt.Version);
        result.Interpretation!.Slots.Category.ShouldBe("groceries");
        result.ToolCalls.ShouldHaveSingleItem().Tool.ShouldBe("spending_by_category");
        result.ToolCalls[0].Arguments.ShouldContain("\"category\":\"groceries\"");
        streamed.Text.ShouldBe(result.Answer.Text, "the streamed pieces add up to the stored text");
        streamed.Pieces.Count.ShouldBeGreaterThan(3, "the text is streamed piece by piece, not at the end");
        model.OfferedTools.Select(t => t.Name).ShouldBe(ModelToolbox.Names, ignoreOrder: true);
    }

    [Fact]
    public async Task InventedNumberIsReplacedByTheComposersText()
    {
        var model = ScriptedChatClient.CallThenSay("spending_by_category", GroceriesLastMonth,
            r => $"Last month you spent {Figure(r, "spent.groceries.EUR")} on groceries, about 12.5 % more than usual.");

        var (result, streamed) = await Ask(model, Groceries);

        var expected = await Interpreter(Groceries);
        result.Ungrounded.ShouldBeTrue();
        result.UngroundedNumbers.ShouldContain("12.5");
        result.ModelTextUsed.ShouldBeFalse();
        result.Answer.Text.ShouldBe(expected.Text, "an ungrounded phrasing is replaced by the composer's for the same tool results");
        result.Answer.Figures.ShouldBe(expected.Figures);
        streamed.Text.ShouldNotContain("12.5", Case.Sensitive, "an ungrounded number never reaches the asker");
        expected.Text.ShouldStartWith("You spent");
    }

    [Fact]
    public async Task ComputedSumIsNotAGroundedNumber()
    {
        // The model adds two figures itself: the sum is in no tool result, so the guard rejects it.
        var model = ScriptedChatClient.CallThenSay("income_vs_spending", new Dictionary<string, object?> { ["period"] = "last month" },
            r => "Income plus spending came to 123,456.78 EUR.");

        var (result, _) = await Ask(model, "Income vs spending last month?");

        result.Ungrounded.ShouldBeTrue();
        result.Answer.Text.ShouldStartWith("Last month: income");
    }

    [Fact]
    public async Task ModelThatCallsNoToolIsRefusedAndStreamsNothing()
    {
        var model = new ScriptedChatClient(_ => ScriptedChatClient.Say("You spent about 250.00 EUR on groceries."));

        var (result, streamed) = await Ask(model, Groceries);

        result.Answer.IsRefusal.ShouldBeTrue();
        result.Answer.Refusal!.Reason.ShouldBe(RefusalReason.Unsupported);
        result.Answer.Figures.ShouldBeEmpty();
        result.Answer.Text.ShouldStartWith("I can't answer that");
        streamed.Pieces.ShouldBeEmpty("a model that read no data has nothing to stream");
    }

    [Fact]
    public async Task UnknownToolIsRefused()
    {
        var model = new ScriptedChatClient(_ => [ScriptedChatClient.Call("transfer_money", new Dictionary<string, object?> { ["amount"] = "100" })]);

        var (result, _) = await Ask(model, "Send 100 EUR to Bob");

        result.Answer.Refusal!.Reason.ShouldBe(RefusalReason.Unsupported);
        result.Interpretation.ShouldBeNull();
    }

    [Fact]
    public async Task AnotherUsersAccountIsNotFoundLikeAMissingOne()
    {
        var bobs = Data.Accounts.First(a => a.UserId == "user-bob");
        var model = ScriptedChatClient.CallThenSay("balance_at", new Dictionary<string, object?> { ["account"] = bobs.Last4 },
            r => "Bob's balance is 800.00 EUR.");

        var (result, streamed) = await Ask(model, $"What is the balance of account {bobs.Last4}?");

        result.Answer.Refusal!.Reason.ShouldBe(RefusalReason.NotFound);
        result.Answer.Figures.ShouldBeEmpty();
        result.Answer.Citations.ShouldBeEmpty();
        result.Interpretation!.Intent.ShouldBe(Intent.BalanceAtDate);
        streamed.Text.ShouldBeEmpty("nothing of another user's was read, so nothing is streamed");
    }

    [Fact]
    public async Task ModelsRefusalKeepsItsReasonButNotItsWords()
    {
        var model = new ScriptedChatClient(m => ScriptedChatClient.ToolResults(m).Count == 0
            ? [ScriptedChatClient.Call(ModelToolbox.Refuse, new Dictionary<string, object?> { ["reason"] = "other_persons_data", ["message"] = "Bob has 42 EUR" })]
            : ScriptedChatClient.Say("I can't tell you about Bob."));

        var (result, _) = await Ask(model, "How much did Bob spend?");

        result.Answer.Refusal!.Reason.ShouldBe(RefusalReason.OtherPersonsData);
        result.Answer.Text.ShouldNotContain("42");
    }

    [Fact]
    public async Task BadArgumentIsToldToTheModelWhichMayCorrectIt()
    {
        var model = new ScriptedChatClient(m =>
        {
            var results = ScriptedChatClient.ToolResults(m);
            if (results.Count == 0) return [ScriptedChatClient.Call("spending_by_category", new Dictionary<string, object?> { ["period"] = "last month", ["category"] = "yachts" })];
            if (results.Count == 1)
            {
                results[0].GetProperty("error").GetString()!.ShouldContain("unknown category");
                return [ScriptedChatClient.Call("spending_by_category", GroceriesLastMonth)];
            }
            return ScriptedChatClient.Say($"You spent {Figure(results[^1], "spent.groceries.EUR")}.");
        });

        var (result, _) = await Ask(model, Groceries);

        result.ToolCalls.Count.ShouldBe(2);
        result.ModelTextUsed.ShouldBeTrue();
        result.Answer.Figures.ShouldBe((await Interpreter(Groceries)).Figures);
    }

    [Fact]
    public async Task IsoDatesAndPhrasesMeanTheSamePeriod()
    {
        var byPhrase = await Ask(ScriptedChatClient.CallThenSay("spending_by_category", GroceriesLastMonth, _ => "Done."), Groceries);
        var byDates = await Ask(ScriptedChatClient.CallThenSay("spending_by_category",
            new Dictionary<string, object?> { ["from"] = "2026-05-01", ["to"] = "2026-05-31", ["category"] = "groceries" }, _ => "Done."), Groceries);

        byDates.Result.Interpretation!.Slots.Period!.SameSpan(byPhrase.Result.Interpretation!.Slots.Period).ShouldBeTrue();
        byDates.Result.Answer.Figures.ShouldBe(byPhrase.Result.Answer.Figures);
    }
}

public sealed class ModelAnswererToolFailures
{
    private sealed class FailingAnalytics(IAnalyticsTools inner) : IAnalyticsTools
    {
        public Task<SpendingByCategoryResult> SpendingByCategoryAsync(Asker asker, SpendingByCategoryRequest request, CancellationToken ct) =>
            throw new HttpRequestException("analytics-service answered 503");
        public Task<IncomeVsSpendingResult> IncomeVsSpendingAsync(Asker asker, IncomeVsSpendingRequest request, CancellationToken ct) => inner.IncomeVsSpendingAsync(asker, request, ct);
        public Task<TopCounterpartiesResult> TopCounterpartiesAsync(Asker asker, TopCounterpartiesRequest request, CancellationToken ct) => inner.TopCounterpartiesAsync(asker, request, ct);
        public Task<MonthOverMonthResult> MonthOverMonthAsync(Asker asker, MonthOverMonthRequest request, CancellationToken ct) => inner.MonthOverMonthAsync(asker, request, ct);
    }

    [Fact]
    public async Task FailedToolEndsTheQuestionWithItsOwnException()
    {
        var data = SyntheticDataset.Generate();
        var reference = new ReferenceTools(data);
        var tools = reference.AsTools() with { Analytics = new FailingAnalytics(reference) };
        var model = ScriptedChatClient.CallThenSay("spending_by_category", new Dictionary<string, object?> { ["period"] = "last month" }, _ => "You spent nothing.");

        var failure = await Should.ThrowAsync<ToolCallFailedException>(() => new ModelAnswerer(model).AnswerAsync(
            new Asker("user-alice", TimeZoneInfo.FindSystemTimeZoneById(SyntheticDataset.Zone)), "Spending last month?", "en", tools, data.Now, null, CancellationToken.None));

        failure.InnerException.ShouldBeOfType<HttpRequestException>();
        failure.Tool.ShouldBe("spending_by_category");
        model.Turns.ShouldBe(1, "the model is not asked to phrase a failure");
    }
}
