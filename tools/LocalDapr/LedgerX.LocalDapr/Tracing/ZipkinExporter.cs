using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Tracing;

/// <summary>A finished span in Zipkin's v2 model.</summary>
public sealed record ZipkinSpan(string TraceId, string Id, string? ParentId, string Name, string Kind, DateTime Start, TimeSpan Duration, string ServiceName, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// Batches spans to Zipkin's <c>POST /api/v2/spans</c> (JSON v2). The queue is bounded and spans are dropped
/// when Zipkin is slower than the traffic: tracing must never slow the data path or grow memory.
/// </summary>
public sealed class ZipkinExporter : IAsyncDisposable
{
    public const int QueueCapacity = 10_000;
    public const int MaxBatch = 500;
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(500);

    private readonly Uri _endpoint;
    private readonly ILogger _logger;
    private readonly Channel<ZipkinSpan> _queue = Channel.CreateBounded<ZipkinSpan>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Task _pump;

    public ZipkinExporter(Uri endpoint, ILogger logger)
    {
        _endpoint = endpoint;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    public void Enqueue(ZipkinSpan span) => _queue.Writer.TryWrite(span);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump;
        _http.Dispose();
    }

    private static object ToWire(ZipkinSpan s) => new WireSpan(
        s.TraceId,
        s.Id,
        s.ParentId,
        s.Name,
        s.Kind,
        (long)(s.Start - DateTime.UnixEpoch).TotalMicroseconds,
        Math.Max(1, (long)s.Duration.TotalMicroseconds),
        new WireEndpoint(s.ServiceName),
        s.Tags);

    private async Task PumpAsync()
    {
        var batch = new List<ZipkinSpan>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            using var window = new CancellationTokenSource(FlushInterval);
            try
            {
                while (batch.Count < MaxBatch && await _queue.Reader.WaitToReadAsync(window.Token))
                {
                    while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var span))
                    {
                        batch.Add(span);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Flush what the window collected.
            }

            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var rest))
            {
                batch.Add(rest);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                using var response = await _http.PostAsJsonAsync(_endpoint, batch.Select(ToWire).ToList());
                if (!response.IsSuccessStatusCode)
                {
                    _logger.LogWarning("zipkin at {Endpoint} answered {Status}; {Count} spans dropped", _endpoint, (int)response.StatusCode, batch.Count);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                _logger.LogWarning("zipkin at {Endpoint} unreachable ({Message}); {Count} spans dropped", _endpoint, ex.Message, batch.Count);
            }

            batch.Clear();
        }
    }

    private sealed record WireEndpoint([property: JsonPropertyName("serviceName")] string ServiceName);

    private sealed record WireSpan(
        [property: JsonPropertyName("traceId")] string TraceId,
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("parentId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ParentId,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("timestamp")] long Timestamp,
        [property: JsonPropertyName("duration")] long Duration,
        [property: JsonPropertyName("localEndpoint")] WireEndpoint LocalEndpoint,
        [property: JsonPropertyName("tags")] IReadOnlyDictionary<string, string> Tags);
}
