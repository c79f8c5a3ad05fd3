using System.Diagnostics;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Answering.Model;
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

        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the 3 s timeout, not the model's 2 minutes");
        outcome.FallbackReason.ShouldBe(FallbackReasons.Timeout);
        outcome.Engine.ShouldBe(Engines.Interpreter);
        outcome.Model.ShouldBe(FakeOpenAiEndpoint.ModelName, "the model that was tried is recorded");
        outcome.Answer.Figures.ShouldBe((await Interpreter(service, Groceries)).Answer.Figures);
        service.Model.Mode = FakeModelMode.Healthy;
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

        var outcome = await service.App.Services.GetRequiredService<IQuestionAnswerer>()
            .AnswerAsync(ModelNlpService.Question("What will the weather be tomorrow?"), new CollectingStream(), CancellationToken.None);

        outcome.Engine.ShouldBe(Engines.Interpreter);
        outcome.FallbackReason.ShouldBeNull();
        outcome.Model.ShouldBeNull();
        outcome.Answer.IsRefusal.ShouldBeTrue();
    }
}
