using System.Text.Json;
using Microsoft.AspNetCore.TestHost;

namespace LedgerX.ServiceDefaults.Tests;

[CollectionDefinition(nameof(StandardOutput), DisableParallelization = true)]
public sealed class StandardOutput;

/// <summary>Swaps the process's stdout, so it runs alone.</summary>
[Collection(nameof(StandardOutput))]
public sealed class JsonLoggingTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ParentSpanId = "00f067aa0ba902b7";

    [Fact]
    public async Task RequestLog_IsJsonOnStdout_WithTheRequestsTraceAndSpanIds()
    {
        var lines = await CaptureStdoutAsync(new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Information" });

        var requestLog = lines.Single(IsPingRequestLog);
        requestLog.GetProperty("@tr").GetString().ShouldBe(TraceId);
        var spanId = requestLog.GetProperty("@sp").GetString();
        spanId.ShouldNotBeNull().ShouldMatch("^[0-9a-f]{16}$");
        spanId.ShouldNotBe(ParentSpanId);
        requestLog.GetProperty("StatusCode").GetInt32().ShouldBe(200);
    }

    [Fact]
    public async Task MinimumLevel_ComesFromTheSerilogSection()
    {
        var lines = await CaptureStdoutAsync(new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Warning" });

        lines.ShouldNotContain(line => IsPingRequestLog(line));
    }

    private static bool IsPingRequestLog(JsonElement line) =>
        line.TryGetProperty("RequestPath", out var path) && path.GetString() == "/ping"
        && line.TryGetProperty("SourceContext", out var source) && source.GetString() == "Serilog.AspNetCore.RequestLoggingMiddleware";

    private static async Task<List<JsonElement>> CaptureStdoutAsync(Dictionary<string, string?> settings)
    {
        var original = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            await using (var app = await SampleService.StartAsync(settings))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/ping", UriKind.Relative));
                request.Headers.Add("traceparent", $"00-{TraceId}-{ParentSpanId}-01");
                using var response = await app.GetTestClient().SendAsync(request, TestContext.Current.CancellationToken);
                response.EnsureSuccessStatusCode();
            }
        }
        finally
        {
            Console.SetOut(original);
        }

        // Every line must be a JSON object: one stray plain-text line would break log shipping.
        return [.. captured.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())];
    }
}
