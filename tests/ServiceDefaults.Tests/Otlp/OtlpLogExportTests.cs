using System.Diagnostics;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Tests.Otlp;

/// <summary>
/// A service's log events reach an OTLP endpoint named only by the standard settings, each with the trace and span
/// ids of the request that logged it.
/// </summary>
public sealed class OtlpLogExportTests
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string ParentSpanId = "b7ad6b7169203331";
    private const string ServiceName = "otlp-sample";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("Observability:OtlpEndpoint")]
    public async Task RequestLog_ReachesTheOtlpEndpoint_WithTheRequestsTraceAndSpanIds(string setting)
    {
        await using var receiver = await OtlpLogReceiver.StartAsync(Ct);
        var settings = Settings();
        // The base endpoint, either way: under http/protobuf /v1/logs is appended, as for any collector.
        settings[setting] = receiver.BaseAddress.ToString().TrimEnd('/');
        await using (var app = await SampleService.StartAsync(settings))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/ping", UriKind.Relative));
            request.Headers.Add("traceparent", $"00-{TraceId}-{ParentSpanId}-01");
            using var response = await app.GetTestClient().SendAsync(request, Ct);
            response.EnsureSuccessStatusCode();
            await WaitUntilAsync(() => receiver.Records.Any(IsPingRequestLog));
        }

        var record = receiver.Records.First(IsPingRequestLog);
        record.TraceId.ShouldBe(TraceId);
        record.SpanId.ShouldMatch("^[0-9a-f]{16}$");
        record.SpanId.ShouldNotBe(ParentSpanId);
        record.Resource["service.name"].ShouldBe(ServiceName);
        record.Body.ShouldNotBeNull().ShouldContain("/ping");
        record.Attributes["RequestPath"].ShouldBe("/ping");
    }

    [Fact]
    public async Task WithoutAnEndpoint_NoLoggerProviderIsRegistered_SoNothingIsExported()
    {
        await using var app = await SampleService.StartAsync(Settings());

        // Serilog forwards to every registered provider: none may be left (the framework's console provider would
        // print every event a second time), and none is added without an endpoint.
        app.Services.GetServices<ILoggerProvider>().ShouldBeEmpty();
    }

    private static Dictionary<string, string?> Settings() => new()
    {
        ["APP_ID"] = ServiceName,
        ["Serilog:MinimumLevel:Default"] = "Information",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        // The batch processor's default 5 s delay would only slow the test down.
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
    };

    private static bool IsPingRequestLog(OtlpLogRecord record) =>
        record.Attributes.TryGetValue("RequestPath", out var path) && path == "/ping";

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            clock.Elapsed.ShouldBeLessThan(Deadline, "no such log record arrived");
            await Task.Delay(50, Ct);
        }
    }
}
