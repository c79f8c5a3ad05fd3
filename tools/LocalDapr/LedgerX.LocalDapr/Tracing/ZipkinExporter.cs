using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Tracing;

/// <summary>A finished span in Zipkin's v2 model.</summary>
public sealed record ZipkinSpan(string TraceId, string Id, string? ParentId, string Name, string Kind, DateTime Start, TimeSpan Duration, string ServiceName, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// Batches spans to Zipkin's <c>POST /api/v2/spans</c> (JSON v2). The queue is bounded and spans are dropped
/// when Zipkin is slower than the traffic: tracing must never slow the data path or grow memory. An unreachable
/// Zipkin is logged once, then retried quietly with backoff (<see cref="ExportBackoff"/>), and its return logged once.
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
    private readonly TimeProvider _time;
    private readonly ExportBackoff _backoff = new();

    public ZipkinExporter(Uri endpoint, ILogger logger, TimeProvider? time = null)
    {
        _endpoint = endpoint;
        _logger = logger;
        _time = time ?? TimeProvider.System;
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

            await ExportAsync(batch);
            batch.Clear();
        }
    }

    private async Task ExportAsync(List<ZipkinSpan> batch)
    {
        if (!_backoff.ShouldAttempt(_time.GetUtcNow()))
        {
            _backoff.Skipped(batch.Count);
            return;
        }

        string? failure;
        try
        {
            using var response = await _http.PostAsJsonAsync(_endpoint, batch.Select(ToWire).ToList());
            failure = response.IsSuccessStatusCode ? null : $"answered {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            failure = $"unreachable ({ex.Message})";
        }

        if (failure is null)
        {
            long dropped = _backoff.DroppedWhileDown;
            if (_backoff.Succeeded())
            {
                _logger.LogInformation("zipkin at {Endpoint} answers again; {Count} spans were dropped while it did not", _endpoint, dropped);
            }
        }
        else if (_backoff.Failed(_time.GetUtcNow(), batch.Count))
        {
            _logger.LogWarning("zipkin at {Endpoint} {Failure}; spans are dropped and it is retried quietly (backoff up to {MaxDelay}) until it answers", _endpoint, failure, ExportBackoff.MaxDelay);
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
