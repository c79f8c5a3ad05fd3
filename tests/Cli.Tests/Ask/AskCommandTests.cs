using System.CommandLine;
using System.Text.Json.Nodes;
using LedgerX.Cli.Commands;
using LedgerX.Cli.Common;
using LedgerX.Cli.Nlp;
using Spectre.Console;

namespace LedgerX.Cli.Tests.Ask;

public sealed class AskCommandParse
{
    private static ParseResult Parse(params string[] args) => new RootCommand { AskCommand.Create() }.Parse(["ask", .. args]);

    [Fact]
    public void TheWordsOfAnUnquotedQuestionAreOneQuestion()
    {
        var result = Parse("what", "did", "I", "spend", "on", "groceries?", "--no-stream");

        result.Errors.ShouldBeEmpty();
        AskCommand.QuestionText(result.GetValue<string[]>("question")).ShouldBe("what did I spend on groceries?");
        result.GetValue<bool>("--no-stream").ShouldBeTrue();
        result.GetValue<TimeSpan>("--timeout").ShouldBe(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void RateTakesAnIdAndAScoreAndAComment()
    {
        var result = Parse("--rate", "0193a1f2-1111-7000-8000-000000000001", "4", "--comment", "close enough");

        result.Errors.ShouldBeEmpty();
        result.GetValue<string[]>("--rate").ShouldBe(["0193a1f2-1111-7000-8000-000000000001", "4"]);
        result.GetValue<string>("--comment").ShouldBe("close enough");
    }

    [Theory]
    [InlineData(new string[0], "give a question")]
    [InlineData(new[] { "how", "much", "--show", "0193a1f2-1111-7000-8000-000000000001" }, "separate uses")]
    [InlineData(new[] { "--rate", "0193a1f2-1111-7000-8000-000000000001", "6" }, "score from 1 to 5")]
    [InlineData(new[] { "--rate", "not-an-id", "3" }, "score from 1 to 5")]
    [InlineData(new[] { "rent?", "--comment", "x" }, "--comment goes with --rate")]
    [InlineData(new[] { "rent?", "--time-zone", "Mars/Olympus_Mons" }, "not a known IANA time zone")]
    [InlineData(new[] { "rent?", "--timeout", "soon" }, "--timeout: 'soon' is not a duration")]
    public void RefusesWhatCannotBeAskedByName(string[] args, string expected) =>
        Parse(args).Errors.ShouldContain(e => e.Message.Contains(expected, StringComparison.Ordinal), string.Join(" | ", Parse(args).Errors.Select(e => e.Message)));

    [Fact]
    public void RefusesALanguageTheServiceDoesNotSpeak() => Parse("rent?", "--language", "fr").Errors.ShouldNotBeEmpty();

    [Fact]
    public void RefusesAQuestionOverFiveHundredCharacters() =>
        Parse(new string('a', 501)).Errors.ShouldContain(e => e.Message.Contains("at most 500", StringComparison.Ordinal));

    [Fact]
    public void TakesAnIanaZoneAndALanguage()
    {
        var result = Parse("wie viel für Miete?", "--time-zone", "Europe/Berlin", "--language", "de", "--json");

        result.Errors.ShouldBeEmpty();
        result.GetValue<string>("--time-zone").ShouldBe("Europe/Berlin");
        result.GetValue<string>("--language").ShouldBe("de");
        result.GetValue<bool>("--json").ShouldBeTrue();
    }
}

/// <summary>The verb against a fake gateway: what it sends, what it prints, how it exits. No timing is asserted.</summary>
public sealed class AskCommandRun
{
    internal static (IAnsiConsole Console, StringWriter Output) Console()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        return (console, output);
    }

    private static async Task<(int Exit, string Output, string Stdout)> AskAsync(FakeNlpGateway fake, bool stream = true, bool json = false, string? token = FakeNlpGateway.Token)
    {
        var (console, output) = Console();
        var stdout = new StringWriter();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var client = new NlpClient(http, fake.BaseUrl, token);
        var settings = new AskSettings(fake.BaseUrl, token, "Europe/Berlin", null, stream, TimeSpan.FromMinutes(2), json);
        var exit = await AskRunner.AskAsync(console, stdout, client, settings, "what did I spend on groceries last month?", TestContext.Current.CancellationToken);
        return (exit, output.ToString(), stdout.ToString());
    }

    private static int Occurrences(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Fact]
    public async Task StreamsTheAnswerInOrderOnceThenPrintsItsFiguresAndCitations()
    {
        await using var fake = await FakeNlpGateway.StartAsync();

        var (exit, output, _) = await AskAsync(fake);

        exit.ShouldBe(ExitCodes.Ok, output);
        Occurrences(output, FakeNlpGateway.AnswerText).ShouldBe(1, output);
        output.ShouldNotContain("NOT MINE");
        output.ShouldContain("spent.groceries.EUR  123.45 EUR");
        output.ShouldContain("entry  0193a1f2-aaaa-7000-8000-000000000001");
        output.ShouldContain("entry  0193a1f2-aaaa-7000-8000-000000000002");
        output.ShouldContain("answered by the interpreter, template answers-en-v1");
        output.ShouldContain($"ledgerx ask --rate {FakeNlpGateway.QuestionId} 1-5");
        fake.FeedsOpened.ShouldBe(1);
        var posted = JsonNode.Parse(fake.Calls.Single(c => c.Call == "POST /api/v1/questions").Body)!.AsObject();
        posted["question"]!.GetValue<string>().ShouldBe("what did I spend on groceries last month?");
        posted["timeZone"]!.GetValue<string>().ShouldBe("Europe/Berlin");
        posted.ContainsKey("language").ShouldBeFalse("strict JSON on the server: no null noise");
    }

    [Fact]
    public async Task ARetriedAnswerStartsOverAndIsPrintedWhole()
    {
        await using var fake = await FakeNlpGateway.StartAsync();
        fake.RetryOnce = true;

        var (exit, output, _) = await AskAsync(fake);

        exit.ShouldBe(ExitCodes.Ok, output);
        output.ShouldContain("(retrying)");
        Occurrences(output, FakeNlpGateway.AnswerText).ShouldBe(1, output);
        output.ShouldNotContain("the live feed missed part of the answer");
    }

    [Fact]
    public async Task WithoutTheStreamItReadsTheQuestionUntilItIsFinal()
    {
        await using var fake = await FakeNlpGateway.StartAsync();

        var (exit, output, _) = await AskAsync(fake, stream: false);

        exit.ShouldBe(ExitCodes.Ok, output);
        fake.FeedsOpened.ShouldBe(0);
        Occurrences(output, FakeNlpGateway.AnswerText).ShouldBe(1, output);
        output.ShouldContain("spent.groceries.EUR  123.45 EUR");
    }

    [Fact]
    public async Task ARefusedLiveFeedFallsBackToReadingTheQuestionAndSaysWhy()
    {
        await using var fake = await FakeNlpGateway.StartAsync();
        fake.FeedStatus = 403;

        var (exit, output, _) = await AskAsync(fake);

        exit.ShouldBe(ExitCodes.Ok, output);
        output.ShouldContain("the live feed was refused (403 forbidden: The token lacks notifications:manage.)");
        Occurrences(output, FakeNlpGateway.AnswerText).ShouldBe(1, output);
    }

    [Fact]
    public async Task TooManyQuestionsIsPrintedWithItsCodeAndWhenToRetry()
    {
        await using var fake = await FakeNlpGateway.StartAsync();
        fake.AskAnswer = (429, """{"status":429,"code":"too_many_questions","detail":"You have 3 unfinished questions."}""", 7);

        var (exit, output, _) = await AskAsync(fake);

        exit.ShouldBe(ExitCodes.Discrepancy);
        output.ShouldContain("the question was not accepted: 429 too_many_questions: You have 3 unfinished questions. (retry after 7 s)");
    }

    [Fact]
    public async Task AValidationProblemNamesTheFieldAtFault()
    {
        await using var fake = await FakeNlpGateway.StartAsync();
        fake.AskAnswer = (400, """{"status":400,"code":"validation","title":"One or more validation errors occurred.","errors":{"timeZone":["'Mars/Base' is not an IANA time zone."]}}""", null);

        var (exit, output, _) = await AskAsync(fake);

        exit.ShouldBe(ExitCodes.Discrepancy);
        output.ShouldContain("400 validation: One or more validation errors occurred.");
        output.ShouldContain("timeZone: 'Mars/Base' is not an IANA time zone.");
    }

    [Fact]
    public async Task NoTokenIsASetupFailureWithTheGatewaysProblem()
    {
        await using var fake = await FakeNlpGateway.StartAsync();
        fake.AskAnswer = (401, """{"status":401,"code":"unauthorized","detail":"A bearer token is required."}""", null);

        var (exit, output, _) = await AskAsync(fake, stream: false, token: null);

        exit.ShouldBe(ExitCodes.SetupFailed);
        output.ShouldContain("401 unauthorized");
    }

    [Fact]
    public async Task JsonPrintsOnlyTheStoredQuestion()
    {
        await using var fake = await FakeNlpGateway.StartAsync();

        var (exit, output, stdout) = await AskAsync(fake, json: true);

        exit.ShouldBe(ExitCodes.Ok);
        output.ShouldBeEmpty();
        JsonNode.Parse(stdout)!["answer"]!["figures"]![0]!["value"]!.GetValue<string>().ShouldBe("123.45 EUR");
    }

    [Fact]
    public async Task RatingSendsTheScoreAndCommentAndARefusalIsExplained()
    {
        await using var fake = await FakeNlpGateway.StartAsync();
        var (console, output) = Console();
        using var http = new HttpClient();
        var client = new NlpClient(http, fake.BaseUrl, FakeNlpGateway.Token);

        var rated = await AskRunner.RateAsync(console, client, FakeNlpGateway.QuestionId, 4, "close enough", TestContext.Current.CancellationToken);
        fake.RatingAnswer = (409, """{"status":409,"code":"question_not_answered","detail":"Only answered or refused questions can be rated."}""");
        var refused = await AskRunner.RateAsync(console, client, FakeNlpGateway.QuestionId, 5, null, TestContext.Current.CancellationToken);

        rated.ShouldBe(ExitCodes.Ok);
        var body = JsonNode.Parse(fake.Calls.First(c => c.Call.StartsWith("PUT", StringComparison.Ordinal)).Body)!;
        body["score"]!.GetValue<int>().ShouldBe(4);
        body["comment"]!.GetValue<string>().ShouldBe("close enough");
        refused.ShouldBe(ExitCodes.Discrepancy);
        output.ToString().ShouldContain("not rated: 409 question_not_answered");
    }

    [Fact]
    public async Task ShowingSomeoneElsesOrAnUnknownQuestionSaysItIsNotFound()
    {
        await using var fake = await FakeNlpGateway.StartAsync();
        var (console, output) = Console();
        using var http = new HttpClient();
        var client = new NlpClient(http, fake.BaseUrl, FakeNlpGateway.Token);

        var exit = await AskRunner.ShowAsync(console, new StringWriter(), client, FakeNlpGateway.OtherQuestion, json: false, TestContext.Current.CancellationToken);

        exit.ShouldBe(ExitCodes.Discrepancy);
        output.ToString().ShouldContain("404 question_not_found: No such question.");
    }
}
