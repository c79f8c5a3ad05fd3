using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using LedgerX.LocalDapr.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Host;

/// <summary>
/// <c>localdapr bench</c>: the latency the sidecar adds, measured the way Dapr's published figures are
/// (app → sidecar → sidecar → app against app → app, per invocation hop), plus publish → delivery time.
/// Everything runs in this process on loopback; numbers are for comparison on one machine, not absolutes.
/// </summary>
internal static class LatencyBenchmark
{
    public static async Task<int> RunAsync(int iterations, string? redisHost, TextWriter output)
    {
        // A fresh topic per run: Redis consumer groups start at the stream's beginning, and old entries would
        // otherwise be counted as deliveries of this run.
        string topic = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await using var target = await TargetApp.StartAsync(topic);
        string resources = Path.Combine(Path.GetTempPath(), "localdapr-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(resources);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(resources, "pubsub.yaml"), PubSubYaml("pubsub", "pubsub.in-memory", null));
            if (redisHost is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(resources, "redis.yaml"), PubSubYaml("redis", "pubsub.redis", redisHost));
            }

            string suffix = Guid.NewGuid().ToString("N")[..6];
            await using var callee = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "bench-target-" + suffix, AppPort = target.Port, ResourcesPaths = [resources] });
            await using var caller = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "bench-caller-" + suffix });
            using var http = new HttpClient();

            var direct = await MeasureAsync(iterations, () => http.GetAsync($"http://127.0.0.1:{target.Port}/ping"));
            var viaSidecars = await MeasureAsync(iterations, () => http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/{callee.AppId}/method/ping"));
            output.WriteLine($"iterations: {iterations} (after {Warmup} warm-up calls), {Environment.ProcessorCount} cores");
            Report(output, "app -> app (direct)", direct);
            Report(output, "app -> sidecar -> sidecar -> app", viaSidecars);
            output.WriteLine($"added per invocation hop: p50 +{Percentile(viaSidecars, 50) - Percentile(direct, 50):F2} ms, p99 +{Percentile(viaSidecars, 99) - Percentile(direct, 99):F2} ms");

            foreach (string pubsub in redisHost is null ? ["pubsub"] : new[] { "pubsub", "redis" })
            {
                var delivery = await MeasureAsync(Math.Max(1, iterations / 4), async () =>
                {
                    var received = target.ExpectEvent();
                    using var body = new StringContent("""{"n":1}""", Encoding.UTF8, "application/json");
                    using var publish = await http.PostAsync($"{callee.HttpEndpoint}/v1.0/publish/{pubsub}/{topic}", body);
                    publish.EnsureSuccessStatusCode();
                    await received.WaitAsync(TimeSpan.FromSeconds(10));
                    return new HttpResponseMessage(HttpStatusCode.OK);
                });
                Report(output, $"publish -> delivery ({pubsub})", delivery);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(resources, recursive: true);
        }
    }

    private const int Warmup = 200;

    private static string PubSubYaml(string name, string type, string? redisHost) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: {type}
          version: v1
        {(redisHost is null ? "  metadata: []" : $"  metadata:\n  - name: redisHost\n    value: \"{redisHost}\"")}
        """;

    private static async Task<double[]> MeasureAsync(int iterations, Func<Task<HttpResponseMessage>> call)
    {
        for (int i = 0; i < Warmup; i++)
        {
            using var _ = await call();
        }

        var samples = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using var response = await call();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"benchmark call failed with {(int)response.StatusCode}");
            }
        }

        Array.Sort(samples);
        return samples;
    }

    private static double Percentile(double[] sorted, int p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];

    private static void Report(TextWriter output, string name, double[] sorted) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-36} p50 {Percentile(sorted, 50),7:F2} ms   p90 {Percentile(sorted, 90),7:F2} ms   p99 {Percentile(sorted, 99),7:F2} ms"));

    /// <summary>The app behind the target sidecar: answers /ping and subscribes to the run's topic on both pub/subs.</summary>
    private sealed class TargetApp : IAsyncDisposable
    {
        private readonly WebApplication _web;
        private TaskCompletionSource _event = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private TargetApp(WebApplication web) => _web = web;

        public int Port { get; private set; }

        public static async Task<TargetApp> StartAsync(string topic)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var web = builder.Build();
            var app = new TargetApp(web);
            web.MapGet("/ping", () => "pong");
            web.MapGet("/dapr/subscribe", () => Results.Text($$"""[{"pubsubname":"pubsub","topic":"{{topic}}","route":"bench"},{"pubsubname":"redis","topic":"{{topic}}","route":"bench"}]""", "application/json"));
            web.MapPost("/bench", () =>
            {
                app._event.TrySetResult();
                return Results.Ok();
            });
            await web.StartAsync();
            app.Port = new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
            return app;
        }

        public Task ExpectEvent()
        {
            _event = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _event.Task;
        }

        public async ValueTask DisposeAsync()
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }
    }
}
