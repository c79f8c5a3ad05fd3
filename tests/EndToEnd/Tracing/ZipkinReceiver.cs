using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.EndToEnd.Tests.Tracing;

/// <summary>One span as Zipkin v2 JSON has it: what the tracing tests look at.</summary>
public sealed record ZipkinSpan(string TraceId, string Id, string? ParentId, string Name, string? Kind, string ServiceName, IReadOnlyDictionary<string, string> Tags)
{
    public override string ToString() => $"{ServiceName} {Kind ?? "INTERNAL"} '{Name}' {Id}<-{ParentId ?? "root"}";
}

/// <summary>
/// A Zipkin collector's span intake (<c>POST /api/v2/spans</c>, JSON v2, gzip or not) on real Kestrel, which every app
/// (<c>ZIPKIN_ENDPOINT</c>) and every sidecar (the Dapr Configuration's <c>zipkin.endpointAddress</c>) of the test
/// system export to. Only the traces a test watched are kept, so a whole test run's spans do not pile up in memory; the
/// others are counted.
/// </summary>
public sealed class ZipkinReceiver : IAsyncDisposable
{
    /// <summary>Spans kept per watched trace at most: a trace is a request's, tens of spans; this bounds a runaway.</summary>
    private const int MaxSpansPerTrace = 2_000;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ZipkinSpan>> _watched = new(StringComparer.Ordinal);
    private long _received;

    private ZipkinReceiver(WebApplication app, int port)
    {
        _app = app;
        Endpoint = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/api/v2/spans";
    }

    /// <summary>Where to export: Zipkin's v2 span intake.</summary>
    public string Endpoint { get; }

    /// <summary>Spans received in all, watched or not: proof that exporting works at all when a watched trace is missing.</summary>
    public long Received => Interlocked.Read(ref _received);

    public static async Task<ZipkinReceiver> StartAsync()
    {
        int port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        var app = builder.Build();
        var receiver = new ZipkinReceiver(app, port);
        app.MapPost("/api/v2/spans", (Func<HttpContext, Task<IResult>>)receiver.AcceptAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Keeps every span of <paramref name="traceId"/> (32 hex digits) from now on.</summary>
    public void Watch(string traceId) => _watched.TryAdd(traceId, new ConcurrentQueue<ZipkinSpan>());

    /// <summary>The spans of a watched trace received so far.</summary>
    public IReadOnlyList<ZipkinSpan> Trace(string traceId) => _watched.TryGetValue(traceId, out var spans) ? [.. spans] : [];

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task<IResult> AcceptAsync(HttpContext context)
    {
        Stream body = context.Request.Body;
        if (string.Equals(context.Request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = new GZipStream(body, CompressionMode.Decompress);
        }

        using var json = await JsonDocument.ParseAsync(body, cancellationToken: context.RequestAborted);
        if (json.RootElement.ValueKind != JsonValueKind.Array)
        {
            return Results.BadRequest("expected a JSON array of spans");
        }

        foreach (var span in json.RootElement.EnumerateArray())
        {
            Interlocked.Increment(ref _received);
            string traceId = Text(span, "traceId") ?? "";
            // Zipkin allows 64-bit trace ids, left-padded here as W3C ids are 128-bit.
            if (_watched.TryGetValue(traceId.PadLeft(32, '0'), out var spans) && spans.Count < MaxSpansPerTrace)
            {
                spans.Enqueue(Parse(span, traceId.PadLeft(32, '0')));
            }
        }

        return Results.Accepted();
    }

    private static ZipkinSpan Parse(JsonElement span, string traceId)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (span.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            foreach (var tag in t.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.ToString();
            }
        }

        string service = span.TryGetProperty("localEndpoint", out var endpoint) ? Text(endpoint, "serviceName") ?? "" : "";
        return new ZipkinSpan(traceId, Text(span, "id") ?? "", Text(span, "parentId"), Text(span, "name") ?? "", Text(span, "kind"), service, tags);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
