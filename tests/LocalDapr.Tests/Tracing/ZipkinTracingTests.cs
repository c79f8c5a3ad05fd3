using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Tests.Tracing;

public sealed class ZipkinTracingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Publish_and_delivery_spans_reach_zipkin_on_one_trace_with_sidecar_spans_as_parents()
    {
        await using var zipkin = await ZipkinReceiver.StartAsync();
        using var resources = new ResourceFolder().WithComponent("pubsub", "pubsub.in-memory").With("config.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: tracing
            spec:
              tracing:
                samplingRate: "1"
                zipkin:
                  endpointAddress: {zipkin.Endpoint}
            """);
        await using var app = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/traced", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "traced"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "traced-app", AppPort = app.Port, ResourcesPaths = [resources.Path], ConfigFile = Path.Combine(resources.Path, "config.yaml") }, Ct);
        using var client = Clients.For(sidecar);

        using (var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            await client.PublishEventAsync("pubsub", "traced", new { n = 1 }, Ct);
            var received = (await app.WaitForAsync(r => r.Path == "/traced")).Single();

            var spans = await zipkin.WaitForAsync(s => s.Count(x => x["traceId"]!.GetValue<string>() == caller.TraceId.ToHexString()) >= 2);
            var trace = spans.Where(s => s["traceId"]!.GetValue<string>() == caller.TraceId.ToHexString()).ToList();
            var server = trace.Single(s => s["name"]!.GetValue<string>().EndsWith("/PublishEvent", StringComparison.Ordinal));
            server["parentId"]!.GetValue<string>().ShouldBe(caller.SpanId.ToHexString());
            server["localEndpoint"]!["serviceName"]!.GetValue<string>().ShouldBe("traced-app");
            server["kind"]!.GetValue<string>().ShouldBe("SERVER");
            var delivery = trace.Single(s => s["name"]!.GetValue<string>() == "pubsub/traced");
            delivery["parentId"]!.GetValue<string>().ShouldBe(server["id"]!.GetValue<string>());
            received.Headers["traceparent"].ShouldBe($"00-{caller.TraceId.ToHexString()}-{delivery["id"]!.GetValue<string>()}-01");
        }
    }

    [Fact]
    public async Task Nothing_is_exported_when_the_sampling_rate_is_zero()
    {
        await using var zipkin = await ZipkinReceiver.StartAsync();
        using var resources = new ResourceFolder().WithComponent("statestore", "state.in-memory").With("config.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: tracing
            spec:
              tracing:
                samplingRate: "0"
                zipkin:
                  endpointAddress: {zipkin.Endpoint}
            """);
        await using (var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "untraced-app", ResourcesPaths = [resources.Path], ConfigFile = Path.Combine(resources.Path, "config.yaml") }, Ct))
        using (var client = Clients.For(sidecar))
        {
            await client.SaveStateAsync("statestore", "k", "v", cancellationToken: Ct);
        }

        zipkin.Spans.ShouldBeEmpty();
    }

    /// <summary>A stand-in for Zipkin's collector: records the JSON v2 spans posted to /api/v2/spans.</summary>
    private sealed class ZipkinReceiver : IAsyncDisposable
    {
        private readonly WebApplication _web;
        private readonly ConcurrentQueue<JsonObject> _spans = new();

        private ZipkinReceiver(WebApplication web) => _web = web;

        public string Endpoint { get; private set; } = "";

        public IReadOnlyList<JsonObject> Spans => [.. _spans];

        public static async Task<ZipkinReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var web = builder.Build();
            var receiver = new ZipkinReceiver(web);
            web.MapPost("/api/v2/spans", async (HttpContext c) =>
            {
                var array = await JsonNode.ParseAsync(c.Request.Body) as JsonArray;
                foreach (var span in array!.OfType<JsonObject>())
                {
                    receiver._spans.Enqueue(span);
                }

                return Results.Accepted();
            });
            await web.StartAsync();
            receiver.Endpoint = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/api/v2/spans";
            return receiver;
        }

        public async Task<IReadOnlyList<JsonObject>> WaitForAsync(Func<IReadOnlyList<JsonObject>, bool> done)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!done(Spans))
            {
                await Task.Delay(50, timeout.Token);
            }

            return Spans;
        }

        public async ValueTask DisposeAsync()
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }
    }
}
