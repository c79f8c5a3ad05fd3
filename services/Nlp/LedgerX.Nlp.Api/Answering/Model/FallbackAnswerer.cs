using LedgerX.Nlp.Domain.Model;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace LedgerX.Nlp.Api.Answering.Model;

/// <summary>Why a model answer was not the model's (<see cref="AnswerOutcome.FallbackReason"/>).</summary>
public static class FallbackReasons
{
    /// <summary>The model took longer than <c>Nlp:Model:TimeoutSeconds</c>: the interpreter answered.</summary>
    public const string Timeout = "model_timeout";
    /// <summary>The endpoint failed (refused, reset, 5xx, malformed): the interpreter answered.</summary>
    public const string Unavailable = "model_unavailable";
    /// <summary>Recent model calls failed too often: the interpreter answered without asking the model.</summary>
    public const string CircuitOpen = "circuit_open";
    /// <summary>The model chose the tools but its text stated a number no tool returned: the composer's text for the same
    /// tool results replaced it.</summary>
    public const string Ungrounded = "model_ungrounded";
}

/// <summary>The answerer the worker uses: the model (when the secret names one) through a Polly pipeline (circuit breaker
/// around a timeout), falling back to the interpreter answerer on a timeout, an endpoint failure or an open circuit.
/// Without a model it is the interpreter answerer. Cancelling the question cancels the model call; it is not a fallback.</summary>
public sealed class FallbackAnswerer : IQuestionAnswerer
{
    private readonly IQuestionAnswerer _interpreter;
    private readonly ModelEndpointSource _models;
    private readonly IServiceProvider _services;
    private readonly ResiliencePipeline _pipeline;

    public FallbackAnswerer([FromKeyedServices(ModelAnsweringRegistration.InterpreterKey)] IQuestionAnswerer interpreter,
        ModelEndpointSource models, IServiceProvider services, IOptions<ModelOptions> options, TimeProvider clock)
    {
        _interpreter = interpreter;
        _models = models;
        _services = services;
        var o = options.Value;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = o.BreakerFailureRatio,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(o.BreakerSamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(o.BreakSeconds),
                // The asker cancelling, or a tool (a downstream service) failing, is no fault of the model's.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && ex is not ToolCallFailedException
                    && !(ex is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
            })
            .AddTimeout(TimeSpan.FromSeconds(o.TimeoutSeconds))
            .Build();
    }

    public async Task<AnswerOutcome> AnswerAsync(QuestionContext question, IAnswerStream stream, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(stream);
        if (_models.Current is not { } model) return await _interpreter.AnswerAsync(question, stream, ct);

        // Resolved here, not injected: only the model path needs it, and the interpreter answerer builds its own.
        var tools = _services.GetRequiredService<INlpToolsFactory>().For(question);
        var answerer = new ModelAnswerer(model.Client);
        string reason;
        try
        {
            var result = await _pipeline.ExecuteAsync(async token => await answerer.AnswerAsync(
                question.Asker, question.Text, question.Language, tools, question.AskedAt, stream.WriteAsync, token), ct);
            return new AnswerOutcome(result.Answer, Engines.Model, result.PromptVersion, model.Name,
                result.Ungrounded ? FallbackReasons.Ungrounded : null,
                result.ToolCalls.Select(c => new ToolCallRecord(c.Tool, c.Arguments)).ToList());
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (ToolCallFailedException ex)
        {
            // The worker classifies the tool's own exception (transient, token expired); the interpreter would fail alike.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
            throw;
        }
        catch (BrokenCircuitException)
        {
            reason = FallbackReasons.CircuitOpen;
        }
        catch (TimeoutRejectedException)
        {
            reason = FallbackReasons.Timeout;
        }
        catch (Exception)
        {
            // Whatever else the endpoint or its client threw (refused, reset, 5xx, malformed stream, its own timeout).
            reason = FallbackReasons.Unavailable;
        }
        var fallback = await _interpreter.AnswerAsync(question, stream, ct);
        return fallback with { FallbackReason = reason, Model = model.Name };
    }
}
