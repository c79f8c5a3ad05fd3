using Dapr.Client;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Domain.Interpreting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace LedgerX.Nlp.Api.Tools;

public static class ToolsRegistration
{
    /// <summary>The tools over Dapr service invocation (<see cref="INlpToolsFactory"/>) and the interpreter answerer
    /// (<see cref="InterpreterAnswerer"/>, registered as itself: the core decides which answerer the worker uses).</summary>
    public static WebApplicationBuilder AddNlpTools(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ToolsOptions>().BindConfiguration(ToolsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);

        // The same settings the Dapr SDK reads (DAPR_HTTP_ENDPOINT, else DAPR_HTTP_PORT), from configuration, as
        // analytics-service's ledger replay does, so tests and hosts set them without touching the environment.
        var daprHttpEndpoint = builder.Configuration["DAPR_HTTP_ENDPOINT"] ?? $"http://127.0.0.1:{builder.Configuration["DAPR_HTTP_PORT"] ?? "3500"}";
        var daprApiToken = builder.Configuration["DAPR_API_TOKEN"];
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<ToolsOptions>>().Value;
            IReadOnlyDictionary<string, HttpClient> clients = new[] { AppIds.TransactionService, AppIds.FraudService }.ToDictionary(
                appId => appId,
                appId =>
                {
                    var client = DaprClient.CreateInvokeHttpClient(appId, daprHttpEndpoint, string.IsNullOrEmpty(daprApiToken) ? null : daprApiToken);
                    client.Timeout = Timeout.InfiniteTimeSpan; // the pipeline bounds every attempt
                    return client;
                });
            return new DownstreamClient(clients, Pipeline(options), services.GetRequiredService<TimeProvider>());
        });
        builder.Services.AddSingleton<EntryClassifier>();
        builder.Services.AddSingleton<INlpToolsFactory, DaprNlpToolsFactory>();
        builder.Services.TryAddSingleton<IQuestionInterpreter, QuestionInterpreter>();
        builder.Services.AddSingleton<InterpreterAnswerer>();
        return builder;
    }

    /// <summary>Each attempt gets <see cref="ToolsOptions.CallTimeoutMs"/>; a transient failure (no connection, timeout,
    /// 5xx, 408, 429) is retried with jittered backoff, <see cref="ToolsOptions.Retries"/> times.</summary>
    internal static ResiliencePipeline<HttpResponseMessage> Pipeline(ToolsOptions options)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.Retries > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || (int)r.StatusCode is 408 or 429),
                MaxRetryAttempts = options.Retries,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }
        return pipeline.AddTimeout(TimeSpan.FromMilliseconds(options.CallTimeoutMs)).Build();
    }
}
