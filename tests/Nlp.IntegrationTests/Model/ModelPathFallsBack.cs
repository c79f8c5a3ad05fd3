using System.Diagnostics;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Answering.Model;
using LedgerX.Nlp.Api.Tools;
using LedgerX.Nlp.Domain.Model;
using LedgerX.Nlp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Nlp.IntegrationTests.Model;

[CollectionDefinition(Name)]
public sealed class ModelServiceCollection : ICollectionFixture<ModelNlpService>
{
    public const string Name = "nlp-service with a model endpoint";
}

/// <summary>The model path through the real OpenAI client against a fake OpenAI-compatible endpoint named in the
/// sidecar's secret store: tool calls, streamed tokens, the guard on numbers, the timeout falling back.</summary>
[Collection(ModelServiceCollection.Name)]
public sealed class ModelPathAnswers(ModelNlpService service)
{
    private const string Groceries = "How much did I spend on groceries last month?";

    private static async Task<AnswerOutcome> Interpreter(ModelNlpService service, string text) =>
        await service.App.Services.GetRequiredKeyedService<IQuestionAnswerer>(ModelAnsweringRegistration.InterpreterKey)
            .AnswerAsync(ModelNlpService.Question(text), new CollectingStream(), CancellationToken.None);

    [Fact]
    public async Task ModelCallsToolsAndStreamsItsGroundedAnswer()
    {
        var answerer = await service.AnswererAsync();
        service.Model.Mode = FakeModelMode.Healthy;
        var stream = new CollectingStream();
        var before = service.Model.Requests;

        var outcome = await answerer.AnswerAsync(ModelNlpService.Question(Groceries), stream, CancellationToken.None);

        var expected = (await Interpreter(service, Groceries)).Answer;
        outcome.Engine.ShouldBe(Engines.Model);
        outcome.Model.ShouldBe(FakeOpenAiEndpoint.ModelName);
        outcome.PromptVersion.ShouldBe(ModelPrompt.Version);
        outcome.FallbackReason.ShouldBeNull();
        outcome.Answer.Figures.ShouldBe(expected.Figures, "the figures are the tool's, as the interpreter's are");
        outcome.Answer.Citations.ShouldBe(expected.Citations);
        outcome.Answer.Text.ShouldBe($"Last month you spent {expected.Figures[0].Value} on groceries.");
        outcome.ToolCalls.ShouldHaveSingleItem().Tool.ShouldBe(FakeOpenAiEndpoint.Tool);
        stream.Pieces.Count.ShouldBeGreaterThan(3, "the model's tokens are streamed as they come");
        stream.Text.ShouldBe(outcome.Answer.Text);
        (service.Model.Requests - before).ShouldBe(2, "one turn to call the tool, one to phrase its result");
        var firstRequest = service.Model.Bodies[^2];
        firstRequest["tools"]!.AsArray().Select(t => (string)t!["function"]!["name"]!).ShouldBe(ModelToolbox.Names, ignoreOrder: true);
        ((bool)firstRequest["stream"]!).ShouldBeTrue();
    }

    [Fact]
    public async Task UngroundedNumberIsReplacedByTheComposersText()
    {
        var answerer = await service.AnswererAsync();
        service.Model.Mode = FakeModelMode.Ungrounded;
        var stream = new CollectingStream();

        var outcome = await answerer.AnswerAsync(ModelNlpService.Question(Groceries), stream, CancellationToken.None);

        var expected = (await Interpreter(service, Groceries)).Answer;
        outcome.Engine.ShouldBe(Engines.Model);
        outcome.FallbackReason.ShouldBe(FallbackReasons.Ungrounded);
        outcome.Answer.Text.ShouldBe(expected.Text);
        outcome.Answer.Figures.ShouldBe(expected.Figures);
        stream.Text.ShouldNotContain("17.5");
    }

    [Fact]
    public async Task SlowModelFallsBackToTheInterpreterAfterTheTimeout()
    {
        var answerer = await service.AnswererAsync();
        service.Model.Mode = FakeModelMode.Slow;
        var watch = Stopwatch.StartNew();

        var outcome = await answerer.AnswerAsync(ModelNlpService.Question(Groceries), new CollectingStream(), CancellationToken.None);

        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the fixture's 8 s timeout, not the model's 2 minutes");
        outcome.FallbackReason.ShouldBe(FallbackReasons.Timeout);
        outcome.Engine.ShouldBe(Engines.Interpreter);
        outcome.Model.ShouldBe(FakeOpenAiEndpoint.ModelName, "the model that was tried is recorded");
        outcome.Answer.Figures.ShouldBe((await Interpreter(service, Groceries)).Answer.Figures);
        service.Model.Mode = FakeModelMode.Healthy;
    }
}

/// <summary>A tool failing under the model: the worker's exceptions pass through, refusals read as the interpreter's.</summary>
[Collection(ModelServiceCollection.Name)]
public sealed class ModelPathToolFailures(ModelNlpService service)
{
    private const string Groceries = "How much did I spend on groceries last month?";

    [Fact]
    public async Task UnavailableServiceReachesTheWorkerAsItself()
    {
        var answerer = await service.AnswererAsync();
        service.ToolFailure = new ToolUnavailableException("analytics-service", "analytics-service answered 503");
        try
        {
            await Should.ThrowAsync<ToolUnavailableException>(() =>
                answerer.AnswerAsync(ModelNlpService.Question(Groceries), new CollectingStream(), CancellationToken.None));
        }
        finally
        {
            service.ToolFailure = null;
        }
    }

    [Fact]
    public async Task AccessDeniedIsTheInterpretersForbiddenRefusal()
    {
        var answerer = await service.AnswererAsync();
        service.ToolFailure = new ToolAccessDeniedException("analytics-service", 403, "forbidden");
        try
        {
            var outcome = await answerer.AnswerAsync(ModelNlpService.Question(Groceries), new CollectingStream(), CancellationToken.None);

            outcome.Answer.Refusal!.Reason.ShouldBe(LedgerX.Nlp.Domain.Questions.RefusalReason.Forbidden);
            outcome.Engine.ShouldBe(Engines.Interpreter);
        }
        finally
        {
            service.ToolFailure = null;
        }
    }
}

/// <summary>A fixture of its own: the breaker's state is the service's, so these calls must not mix with others'.</summary>
public sealed class BreakerNlpService : ModelNlpService
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nlp:Model:TimeoutSeconds"] = "10",
        ["Nlp:Model:BreakerFailureRatio"] = "1.0",
        ["Nlp:Model:BreakerMinimumThroughput"] = "2",
        ["Nlp:Model:BreakerSamplingSeconds"] = "600",
        ["Nlp:Model:BreakSeconds"] = "3",
    };
}

public sealed class ModelCircuitBreaker : IClassFixture<BreakerNlpService>
{
    private readonly BreakerNlpService _service;

    public ModelCircuitBreaker(BreakerNlpService service) => _service = service;

    [Fact]
    public async Task OpensAfterFailuresAnswersWithoutTheModelThenHalfOpens()
    {
        var answerer = await _service.AnswererAsync();
        const string question = "How much did I spend on groceries last month?";
        async Task<AnswerOutcome> Ask() => await answerer.AnswerAsync(ModelNlpService.Question(question), new CollectingStream(), CancellationToken.None);

        _service.Model.Mode = FakeModelMode.Reset;
        (await Ask()).FallbackReason.ShouldBe(FallbackReasons.Unavailable, "a reset connection is a model down");
        _service.Model.Mode = FakeModelMode.ServerError;
        var second = await Ask();
        second.FallbackReason.ShouldBe(FallbackReasons.Unavailable);
        second.Engine.ShouldBe(Engines.Interpreter);
        second.Answer.Figures.ShouldNotBeEmpty("the interpreter answered in the model's place");

        _service.Model.Mode = FakeModelMode.Healthy;
        var requests = _service.Model.Requests;
        var open = await Ask();
        open.FallbackReason.ShouldBe(FallbackReasons.CircuitOpen);
        _service.Model.Requests.ShouldBe(requests, "an open circuit does not call the model");

        // After BreakSeconds one trial call goes to the (now healthy) model and closes the circuit again.
        var recovered = await NlpService.EventuallyAsync(async () => await Ask() is { Engine: Engines.Model } o ? o : null,
            "the circuit half-opening and the model answering again");
        recovered.FallbackReason.ShouldBeNull();
        (await Ask()).Engine.ShouldBe(Engines.Model, "closed again");
    }
}

/// <summary>No model secret (the default fixture's sidecar has no secret store): the interpreter answers alone, with no
/// fallback reason.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class WithoutAModel(NlpService service)
{
    [Fact]
    public async Task TheInterpreterAnswersAlone()
    {
        var source = service.App.Services.GetRequiredService<ModelEndpointSource>();
        await NlpService.EventuallyAsync(() => Task.FromResult(source.Loaded ? source : null), "the model secret looked up");
        source.Current.ShouldBeNull();

        // The fixture replaces the worker's answerer with its scripted one; the fallback answerer is built as DI would.
        var answerer = ActivatorUtilities.CreateInstance<FallbackAnswerer>(service.App.Services);
        var outcome = await answerer
            .AnswerAsync(ModelNlpService.Question("What will the weather be tomorrow?"), new CollectingStream(), CancellationToken.None);

        outcome.Engine.ShouldBe(Engines.Interpreter);
        outcome.FallbackReason.ShouldBeNull();
        outcome.Model.ShouldBeNull();
        outcome.Answer.IsRefusal.ShouldBeTrue();
    }
}

/// <summary>The whole way: asked over HTTP, queued on pub/sub, answered by the model through the worker, streamed as live
/// items and read back with the model's name and prompt version.</summary>
[Collection(ModelServiceCollection.Name)]
public sealed class ModelAnswersThroughTheQueue(ModelNlpService service)
{
    [Fact]
    public async Task AskedQuestionIsAnsweredByTheModelAndStreamed()
    {
        await service.AnswererAsync();
        service.Model.Mode = FakeModelMode.Healthy;
        // Questions are read at the time they are asked; the dataset is of 2026's first half, so name its May.
        service.Model.ToolArguments = """{"from":"2026-05-01","to":"2026-05-31","category":"groceries"}""";
        var alice = new Caller("user-alice", TimeSpan.FromHours(3), LedgerX.ServiceDefaults.Auth.Permissions.LedgerRead, LedgerX.ServiceDefaults.Auth.Permissions.NlpAsk);
        try
        {
            using var response = await service.App.Client.PostAsAsync("/api/v1/questions",
                new { question = "How much did I spend on groceries in May 2026?", timeZone = "Europe/Berlin" }, alice);
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            var id = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();

            var q = await service.App.Client.WaitForStatusAsync(alice, id, "answered");

            q["engine"]!.GetValue<string>().ShouldBe(Engines.Model, $"fallback reason: {q["fallbackReason"]}");
            q["model"]!.GetValue<string>().ShouldBe(FakeOpenAiEndpoint.ModelName);
            q["promptVersion"]!.GetValue<string>().ShouldBe(ModelPrompt.Version);
            q["fallbackReason"].ShouldBeNull();
            var answer = q["answer"]!.AsObject();
            var figure = answer["figures"]!.AsArray().ShouldHaveSingleItem()!["value"]!.GetValue<string>();
            answer["text"]!.GetValue<string>().ShouldBe($"Last month you spent {figure} on groceries.");
            answer["citations"]!.AsArray().ShouldNotBeEmpty();

            var deltas = await NlpService.EventuallyAsync(() =>
            {
                var items = service.Published("live-pubsub", "live.feed.v1").Select(m => m.CloudEvent!["data"]!.AsObject())
                    .Where(d => d["data"]?["questionId"]?.GetValue<string>() == id.ToString()).ToList();
                return Task.FromResult(items.Any(i => i["kind"]!.GetValue<string>() == "nlp.answer_completed")
                    ? items.Where(i => i["kind"]!.GetValue<string>() == "nlp.answer_delta").ToList() : null);
            }, "the answer's live items");
            deltas.Count.ShouldBeGreaterThan(3, "the model's tokens stream as they come");
            string.Concat(deltas.OrderBy(d => int.Parse(d["data"]!["index"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture))
                .Select(d => d["data"]!["text"]!.GetValue<string>())).ShouldBe(answer["text"]!.GetValue<string>());
        }
        finally
        {
            service.Model.ToolArguments = FakeOpenAiEndpoint.LastMonthGroceries;
        }
    }
}
