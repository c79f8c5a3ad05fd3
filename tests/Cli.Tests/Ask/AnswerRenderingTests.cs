using LedgerX.Cli.Common;
using LedgerX.Cli.Nlp;

namespace LedgerX.Cli.Tests.Ask;

public sealed class AnswerRendering
{
    private static string Render(string json, bool textShown, out int exit)
    {
        var (console, output) = AskCommandRun.Console();
        exit = AnswerView.Render(console, QuestionDocument.Parse(json), textShown);
        return output.ToString();
    }

    [Fact]
    public void AnAnswerShowsItsTextFiguresCitationsAndWhatAnsweredIt()
    {
        var output = Render(FakeNlpGateway.AnsweredJson, textShown: false, out var exit);

        exit.ShouldBe(ExitCodes.Ok);
        output.ShouldContain(FakeNlpGateway.AnswerText);
        output.ShouldContain("figures");
        output.ShouldContain("spent.groceries.EUR  123.45 EUR");
        output.ShouldContain("based on 2 records");
        output.ShouldContain("answered by the interpreter, template answers-en-v1");
    }

    [Fact]
    public void StreamedTextIsNotPrintedTwice() =>
        Render(FakeNlpGateway.AnsweredJson, textShown: true, out _).ShouldNotContain(FakeNlpGateway.AnswerText);

    [Fact]
    public void AModelAnswerNamesTheModelAndPromptAndAFallbackSaysWhy()
    {
        var model = FakeNlpGateway.AnsweredJson.Replace("\"engine\":\"interpreter\"", "\"engine\":\"model\"", StringComparison.Ordinal)
            .Replace("\"promptVersion\":null,\"model\":null", "\"promptVersion\":\"prompt-v1\",\"model\":\"llama3.2\"", StringComparison.Ordinal);
        var fellBack = FakeNlpGateway.AnsweredJson.Replace("\"fallbackReason\":null", "\"fallbackReason\":\"circuit_open\"", StringComparison.Ordinal);

        Render(model, false, out _).ShouldContain("answered by the model llama3.2 (prompt prompt-v1, template answers-en-v1)");
        Render(fellBack, false, out _).ShouldContain("after the model fell back (circuit_open)");
    }

    [Fact]
    public void ARefusalSaysNothingWasGuessedAndExitsOne()
    {
        const string refused = """
            {"id":"0193a1f2-1111-7000-8000-000000000001","status":"refused",
             "answer":{"text":"I can't answer that: that is someone else's data.","intent":null,"figures":[],"citations":[],
                       "refusal":{"code":"other_persons_data","message":"I can't answer that: that is someone else's data."}},
             "engine":"interpreter","templateVersion":"answers-en-v1","rating":{"score":2,"comment":null}}
            """;

        var output = Render(refused, textShown: false, out var exit);

        exit.ShouldBe(ExitCodes.Discrepancy);
        output.ShouldContain("I can't answer that: that is someone else's data.");
        output.ShouldContain("not answered (other_persons_data): no figure was guessed");
        output.ShouldContain("rated 2/5");
        output.ShouldNotContain("figures");
    }

    [Fact]
    public void AFailureShowsItsCode()
    {
        const string failed = """{"id":"0193a1f2-1111-7000-8000-000000000001","status":"failed","error":{"code":"token_expired","message":"Your sign-in expired before the answer was ready."}}""";

        var output = Render(failed, textShown: false, out var exit);

        exit.ShouldBe(ExitCodes.Discrepancy);
        output.ShouldContain("failed token_expired: Your sign-in expired before the answer was ready.");
    }

    [Fact]
    public void ManyCitationsAreCountedNotAllPrinted()
    {
        var citations = string.Join(",", Enumerable.Range(0, 45).Select(i => $$"""{"kind":"entry","id":"0193a1f2-aaaa-7000-8000-{{i:D12}}"}"""));
        var json = $$"""{"id":"0193a1f2-1111-7000-8000-000000000001","status":"answered","answer":{"text":"t","figures":[],"citations":[{{citations}}]},"engine":"interpreter"}""";

        var output = Render(json, textShown: true, out _);

        output.ShouldContain("based on 45 records");
        output.ShouldContain("… and 25 more");
    }

    [Fact]
    public void AQuestionWithoutIdIsNotAQuestion() =>
        Should.Throw<System.Text.Json.JsonException>(() => QuestionDocument.Parse("""{"status":"answered"}"""));

    [Theory]
    [InlineData(429, """{"status":429,"code":"rate_limited","detail":"Too many requests."}""", 3, "429 rate_limited: Too many requests. (retry after 3 s)")]
    [InlineData(404, """{"status":404,"code":"question_not_found","title":"Not Found"}""", null, "404 question_not_found: Not Found")]
    [InlineData(502, "<html>Bad gateway</html>", null, "502: <html>Bad gateway</html>")]
    [InlineData(500, "", null, "500")]
    public void ProblemsReadAsOneLine(int status, string body, int? retryAfter, string expected) =>
        ApiProblem.Parse(status, body, retryAfter is { } s ? TimeSpan.FromSeconds(s) : null).Describe().ShouldBe(expected);
}
