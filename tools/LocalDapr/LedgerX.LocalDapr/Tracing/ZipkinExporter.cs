using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OtelZipkinExporter = OpenTelemetry.Exporter.ZipkinExporter;

namespace LedgerX.LocalDapr.Tracing;

/// <summary>
/// A sidecar's Zipkin export: OpenTelemetry's Zipkin exporter (JSON v2 to <c>POST /api/v2/spans</c>) behind a batch
/// processor whose queue is bounded, so spans are dropped when Zipkin is slower than the traffic: tracing must never
/// slow the data path or grow memory. The exporter's HTTP client goes through <see cref="QuietWhenDownHandler"/>: an
/// unreachable Zipkin is logged once, then retried quietly with backoff (<see cref="ExportBackoff"/>), and its return
/// logged once. Each sidecar has its own TracerProvider (no sources: spans are handed in by <see cref="SidecarTracer"/>),
/// whose resource names the app id as Zipkin's <c>localEndpoint.serviceName</c>, as daprd reports its app id.
/// </summary>
public sealed class ZipkinExporter : IAsyncDisposable
{
    public const int QueueCapacity = 10_000;
    public const int MaxBatch = 500;
    private const int FlushIntervalMs = 500;
    private const int ExportTimeoutMs = 10_000;

    private readonly BatchActivityExportProcessor _processor;
    private readonly TracerProvider _provider;
    private readonly HttpClient _http;

    public ZipkinExporter(Uri endpoint, string serviceName, ILogger logger, TimeProvider? time = null)
    {
        _http = new HttpClient(new QuietWhenDownHandler(endpoint, logger, time ?? TimeProvider.System) { InnerHandler = new SocketsHttpHandler() })
        {
            Timeout = TimeSpan.FromMilliseconds(ExportTimeoutMs),
        };
        // Obsolete upstream (OpenTelemetry prefers OTLP), but Zipkin is what daprd's tracing configuration names and
        // what the services export with; the exporter is still shipped and maintained in 1.20.
#pragma warning disable CS0618
        var exporter = new OtelZipkinExporter(new OpenTelemetry.Exporter.ZipkinExporterOptions { Endpoint = endpoint }, _http);
#pragma warning restore CS0618
        _processor = new BatchActivityExportProcessor(exporter, QueueCapacity, FlushIntervalMs, ExportTimeoutMs, MaxBatch);
        _provider = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.Clear().AddService(serviceName))
            .AddProcessor(_processor)
            .Build();
    }

    /// <summary>Queues a finished, sampled span (<see cref="ActivityTraceFlags.Recorded"/>); never blocks.</summary>
    public void Enqueue(Activity span) => _processor.OnEnd(span);

    public ValueTask DisposeAsync()
    {
        // Flushes what is queued (bounded by the export timeout), then stops the worker.
        _provider.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Between the exporter and the network: while Zipkin is down, batches are refused here without a request
    /// (the exporter counts a failed export), the first failure and the recovery are logged once each.
    /// </summary>
    private sealed class QuietWhenDownHandler(Uri endpoint, ILogger logger, TimeProvider time) : DelegatingHandler
    {
        private readonly ExportBackoff _backoff = new();
        private readonly Lock _gate = new();

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Skip())
            {
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }

            try
            {
                return Observe(base.Send(request, cancellationToken), null);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return Observe(null, ex);
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Skip())
            {
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }

            try
            {
                return Observe(await base.SendAsync(request, cancellationToken), null);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return Observe(null, ex);
            }
        }

        private bool Skip()
        {
            lock (_gate)
            {
                if (_backoff.ShouldAttempt(time.GetUtcNow()))
                {
                    return false;
                }

                _backoff.Skipped(1);
                return true;
            }
        }

        private HttpResponseMessage Observe(HttpResponseMessage? response, Exception? error)
        {
            string? failure = error is not null ? $"unreachable ({error.Message})"
                : response!.IsSuccessStatusCode ? null
                : $"answered {(int)response.StatusCode}";
            lock (_gate)
            {
                if (failure is null)
                {
                    long dropped = _backoff.DroppedWhileDown;
                    if (_backoff.Succeeded())
                    {
                        logger.LogInformation("zipkin at {Endpoint} answers again; {Count} batches of spans were dropped while it did not", endpoint, dropped);
                    }
                }
                else if (_backoff.Failed(time.GetUtcNow(), 1))
                {
                    logger.LogWarning("zipkin at {Endpoint} {Failure}; spans are dropped and it is retried quietly (backoff up to {MaxDelay}) until it answers", endpoint, failure, ExportBackoff.MaxDelay);
                }
            }

            return response ?? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        }
    }
}
