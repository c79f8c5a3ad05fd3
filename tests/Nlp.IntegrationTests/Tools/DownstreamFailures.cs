using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Tools;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Nlp.IntegrationTests.Tools;

/// <summary>
/// When a service the tools read cannot answer (its sidecar answers 5xx, hangs, or is not there), the tools retry the
/// configured number of times within a timeout per attempt and then throw <see cref="ToolUnavailableException"/>, the
/// transient failure the worker retries; the answerer lets it through rather than answering from nothing.
/// </summary>
public sealed class DownstreamFailures
{
    private static readonly Asker Alice = new("nlp-failures-alice", TimeZoneInfo.Utc);

    [Fact]
    public async Task A5xxFromTheSidecar_IsRetriedThenUnavailable()
    {
        await using var sidecar = await FakeSidecar.StartAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("busy");
        });
        await using var tools = await ToolsHost.StartAsync(sidecar.Url, retries: 2, timeoutMs: 5_000);

        var failure = await Should.ThrowAsync<ToolUnavailableException>(() => tools.Tools.Ledger.BalanceAtAsync(Alice, new BalanceAtRequest(DateTimeOffset.UtcNow, null), default));

        failure.AppId.ShouldBe("transaction-service");
        sidecar.Requests.ShouldBe(3); // the first attempt and two retries
        sidecar.Paths.ShouldAllBe(p => p.StartsWith("/v1.0/invoke/transaction-service/method/api/v1/accounts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASidecarThatHangs_TimesOutEachAttempt_ThenUnavailable()
    {
        await using var sidecar = await FakeSidecar.StartAsync(async context => await Task.Delay(TimeSpan.FromMinutes(2), context.RequestAborted));
        await using var tools = await ToolsHost.StartAsync(sidecar.Url, retries: 1, timeoutMs: 300);

        await Should.ThrowAsync<ToolUnavailableException>(() => tools.Tools.Fraud.WhyFlaggedAsync(Alice, new WhyFlaggedRequest(null), default));

        sidecar.Requests.ShouldBe(2);
    }

    [Fact]
    public async Task NoSidecarAtAll_IsUnavailable_AndTheAnswererLetsItThrough()
    {
        await using var tools = await ToolsHost.StartAsync($"http://127.0.0.1:{FreePorts.Next()}", retries: 0, timeoutMs: 2_000);
        var question = new QuestionContext(Guid.CreateVersion7(), Alice, "What is my balance?", "en", "not-a-jwt", DateTimeOffset.UtcNow);

        await Should.ThrowAsync<ToolUnavailableException>(() => tools.Answerer.AnswerAsync(question, new NoStream(), default));
    }

    private sealed class NoStream : IAnswerStream
    {
        public ValueTask WriteAsync(string text, CancellationToken ct) => ValueTask.CompletedTask;
    }

    /// <summary>The tools as nlp-service registers them, pointed at <paramref name="daprHttpEndpoint"/>.</summary>
    private sealed class ToolsHost : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ToolsHost(WebApplication app) => _app = app;

        public NlpTools Tools => _app.Services.GetRequiredService<INlpToolsFactory>().For(
            new QuestionContext(Guid.CreateVersion7(), Alice, "(tool test)", "en", TestTokens.Shared.Mint(Alice.UserId), DateTimeOffset.UtcNow));

        public InterpreterAnswerer Answerer => _app.Services.GetRequiredService<InterpreterAnswerer>();

        public static Task<ToolsHost> StartAsync(string daprHttpEndpoint, int retries, int timeoutMs)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Configuration["DAPR_HTTP_ENDPOINT"] = daprHttpEndpoint;
            builder.Configuration["Nlp:Tools:Retries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture);
            builder.Configuration["Nlp:Tools:CallTimeoutMs"] = timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            builder.AddNlpTools();
            return Task.FromResult(new ToolsHost(builder.Build()));
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }

    /// <summary>A stand-in for the nlp-service sidecar's HTTP API that answers every request with <c>handle</c>.</summary>
    private sealed class FakeSidecar : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private FakeSidecar(WebApplication app) => _app = app;

        public string Url => _app.Urls.Single();

        public int Requests => Volatile.Read(ref _requests);

        public System.Collections.Concurrent.ConcurrentQueue<string> Paths { get; } = new();

        public static async Task<FakeSidecar> StartAsync(RequestDelegate handle)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{FreePorts.Next()}");
            var app = builder.Build();
            var sidecar = new FakeSidecar(app);
            app.Run(async context =>
            {
                Interlocked.Increment(ref sidecar._requests);
                sidecar.Paths.Enqueue(context.Request.Path.Value ?? "");
                await handle(context);
            });
            await app.StartAsync();
            return sidecar;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
