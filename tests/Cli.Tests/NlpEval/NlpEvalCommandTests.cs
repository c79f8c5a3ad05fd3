using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LedgerX.Cli.Commands;
using LedgerX.Cli.Common;
using LedgerX.Cli.NlpEval;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Evaluation;
using Spectre.Console;

namespace LedgerX.Cli.Tests.NlpEval;

public sealed class NlpEvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nlp-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (IAnsiConsole Console, StringWriter Output) Console()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output) });
        console.Profile.Width = 200;
        return (console, output);
    }

    private static EvalSet Committed() => EvalSet.Parse(File.ReadAllText(NlpEvalCommand.DefaultSet));

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task InterpreterOnTheCommittedSetMeetsTheFloorAndReportsPerIntent()
    {
        var (console, output) = Console();
        var json = Path.Combine(_dir, "report.json");

        var exit = await NlpEvalCommand.RunAsync(console, NlpEvalCommand.DefaultSet, null, null, NlpEvalCommand.DefaultMinAccuracy, 5, json, TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper!.WriteLine(output.ToString());
        exit.ShouldBe(ExitCodes.Ok);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var engine = report.RootElement.GetProperty("engines").EnumerateArray().ShouldHaveSingleItem();
        engine.GetProperty("engine").GetString().ShouldBe(NlpEvalRunner.Interpreter);
        engine.GetProperty("cases").GetInt32().ShouldBe(Committed().Cases.Count);
        engine.GetProperty("exactAnswerAccuracy").GetDouble().ShouldBeGreaterThanOrEqualTo(NlpEvalCommand.DefaultMinAccuracy);
        engine.GetProperty("refusalsCorrect").GetInt32().ShouldBe(engine.GetProperty("refusalCases").GetInt32());
        engine.GetProperty("perIntent").EnumerateArray().Select(r => r.GetProperty("intent").GetString()).ShouldContain("refuse:not_found");
        engine.GetProperty("slowest").GetArrayLength().ShouldBe(5);
        output.ToString().ShouldContain("exact answers");
        output.ToString().ShouldContain("spending_by_category");
        // The categorizer the spending questions rely on is reported beside them, scored on lines it never trained on.
        var categorizer = report.RootElement.GetProperty("categorizer");
        categorizer.GetProperty("heldOut").GetInt32().ShouldBeGreaterThan(100);
        categorizer.GetProperty("rulesAndModel").GetDouble().ShouldBeGreaterThanOrEqualTo(0.85);
        output.ToString().ShouldContain("categorizer");
    }

    [Fact]
    public async Task BelowTheFloorExitsOne()
    {
        // One expected figure changed: the interpreter's (right) answer no longer matches it.
        var set = Committed();
        var index = set.Cases.ToList().FindIndex(c => c.Expected.Figures is { Count: > 0 });
        var changed = set.Cases[index] with { Expected = set.Cases[index].Expected with { Figures = [new Figure("spent.groceries.EUR", "0.01 EUR")] } };
        var path = Write("changed.json", (set with { Cases = set.Cases.Select((c, n) => n == index ? changed : c).ToList() }).ToJson());
        var (console, output) = Console();

        (await NlpEvalCommand.RunAsync(console, path, null, null, 1.0, 3, null, TestContext.Current.CancellationToken)).ShouldBe(ExitCodes.Discrepancy);
        output.ToString().ShouldContain($"miss {changed.Id}");
        (await NlpEvalCommand.RunAsync(Console().Console, path, null, null, 0.9, 3, null, TestContext.Current.CancellationToken)).ShouldBe(ExitCodes.Ok);
    }

    [Fact]
    public async Task ModelEndpointThatIsDownFailsEveryQuestionAndExitsTwo()
    {
        var set = Committed();
        var path = Write("three.json", (set with { Cases = set.Cases.Take(3).ToList() }).ToJson());
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var endpoint = NlpEvalCommand.Endpoint($"http://127.0.0.1:{closedPort}/v1", "llama3.1:8b", null, null)!;
        var (console, output) = Console();

        var exit = await NlpEvalCommand.RunAsync(console, path, endpoint.CreateChatClient(), endpoint.Model, 0.9, 3, null, TestContext.Current.CancellationToken);

        exit.ShouldBe(ExitCodes.Unreachable);
        output.ToString().ShouldContain("3 model errors");
    }

    [Fact]
    public void EndpointComesFromTheOptionsOrTheSecretFile()
    {
        Should.Throw<ArgumentException>(() => NlpEvalCommand.Endpoint("http://127.0.0.1:11434/v1", null, null, null));
        Should.Throw<ArgumentException>(() => NlpEvalCommand.Endpoint("ftp://x", "m", null, null));
        Should.Throw<ArgumentException>(() => NlpEvalCommand.Endpoint(null, null, "LEDGERX_TEST_SURELY_UNSET_VARIABLE", null));
        NlpEvalCommand.Endpoint(null, null, null, null).ShouldBeNull("no model named: the interpreter only");

        var flat = Write("flat.json", """{"other":"x","nlp-model:endpoint":"http://127.0.0.1:11434/v1","nlp-model:model":"llama3.1:8b"}""");
        NlpEvalCommand.Endpoint(null, null, null, flat).ShouldBe(new ModelEndpoint(new Uri("http://127.0.0.1:11434/v1"), "llama3.1:8b", null));
        var nested = Write("nested.json", """{"nlp-model":{"endpoint":"https://api.openai.com/v1","model":"gpt-4o-mini","apiKey":"sk-test"}}""");
        NlpEvalCommand.Endpoint(null, null, null, nested)!.ApiKey.ShouldBe("sk-test");
        Should.Throw<ArgumentException>(() => NlpEvalCommand.Endpoint(null, null, null, Write("none.json", """{"other":"x"}""")));
    }
}
