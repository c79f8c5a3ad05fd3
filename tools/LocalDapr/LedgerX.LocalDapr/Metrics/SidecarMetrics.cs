using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace LedgerX.LocalDapr.Metrics;

/// <summary>
/// The sidecar's Prometheus metrics, named as daprd names them (RT pkg/diagnostics) so dashboards and alerts
/// written for daprd read them unchanged: API calls, pub/sub ingress and egress, service invocation. Served in the
/// text exposition format on the metrics port (<c>DAPR_METRICS_PORT</c>, path <c>/metrics</c>).
/// Label sets are bounded: values come from component, topic, app and method names, never from payloads or paths.
/// </summary>
public sealed class SidecarMetrics
{
    /// <summary>Caps distinct label sets per metric so a misbehaving caller cannot grow memory without bound.</summary>
    public const int MaxSeriesPerMetric = 10_000;

    private static readonly double[] LatencyBucketsMs = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly string _appId;
    private readonly ConcurrentDictionary<(string Metric, string Labels), long> _counters = new();
    private readonly ConcurrentDictionary<string, int> _seriesPerMetric = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram> _latencies = new(StringComparer.Ordinal);

    public SidecarMetrics(string appId) => _appId = appId;

    public void HttpServerRequest(string method, int status, TimeSpan elapsed)
    {
        Increment("dapr_http_server_request_count", [("method", method), ("status", status.ToString(CultureInfo.InvariantCulture))]);
        Observe("dapr_http_server_latency", [("method", method), ("status", status.ToString(CultureInfo.InvariantCulture))], elapsed);
    }

    public void GrpcServerCompleted(string method, string status, TimeSpan elapsed)
    {
        Increment("dapr_grpc_io_server_completed_rpcs", [("grpc_server_method", method), ("grpc_server_status", status)]);
        Observe("dapr_grpc_io_server_server_latency", [("grpc_server_method", method)], elapsed);
    }

    public void PubSubEgress(string component, string topic, bool success) =>
        Increment("dapr_component_pubsub_egress_count", [("component", component), ("namespace", ""), ("success", success ? "true" : "false"), ("topic", topic)]);

    public void PubSubIngress(string component, string topic, string processStatus) =>
        Increment("dapr_component_pubsub_ingress_count", [("component", component), ("namespace", ""), ("process_status", processStatus), ("topic", topic)]);

    public void InvocationSent(string destinationAppId) =>
        Increment("dapr_runtime_service_invocation_req_sent_total", [("dest_app_id", destinationAppId)]);

    public void InvocationResponse(string destinationAppId, int status) =>
        Increment("dapr_runtime_service_invocation_res_recv_total", [("dest_app_id", destinationAppId), ("status", status.ToString(CultureInfo.InvariantCulture))]);

    /// <summary>The Prometheus text exposition of every series.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var group in _counters.GroupBy(c => c.Key.Metric).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("# TYPE ").Append(group.Key).Append(" counter\n");
            foreach (var series in group.OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
            {
                text.Append(group.Key).Append('{').Append(series.Key.Labels).Append("} ").Append(series.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        foreach (var group in _latencies.GroupBy(h => h.Value.Metric).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("# TYPE ").Append(group.Key).Append(" histogram\n");
            foreach (var (_, histogram) in group.OrderBy(h => h.Key, StringComparer.Ordinal))
            {
                histogram.Render(text);
            }
        }

        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private string Labels((string Name, string Value)[] labels) =>
        string.Join(",", labels.Prepend((Name: "app_id", Value: _appId)).Select(l => $"{l.Name}=\"{Escape(l.Value)}\""));

    private bool Admit(string metric, bool isNew) =>
        !isNew || _seriesPerMetric.AddOrUpdate(metric, 1, (_, n) => n + 1) <= MaxSeriesPerMetric;

    private void Increment(string metric, (string, string)[] labels)
    {
        var key = (metric, Labels(labels));
        if (_counters.ContainsKey(key) || Admit(metric, isNew: true))
        {
            _counters.AddOrUpdate(key, 1, (_, n) => n + 1);
        }
    }

    private void Observe(string metric, (string, string)[] labels, TimeSpan elapsed)
    {
        string series = Labels(labels);
        string key = metric + "{" + series + "}";
        if (!_latencies.TryGetValue(key, out var histogram))
        {
            if (!Admit(metric, isNew: true))
            {
                return;
            }

            histogram = _latencies.GetOrAdd(key, _ => new Histogram(metric, series));
        }

        histogram.Observe(elapsed.TotalMilliseconds);
    }

    /// <summary>Cumulative histogram in milliseconds, as daprd reports latencies.</summary>
    private sealed class Histogram(string metric, string labels)
    {
        private readonly long[] _buckets = new long[LatencyBucketsMs.Length];
        private readonly Lock _gate = new();
        private long _count;
        private double _sum;

        public string Metric { get; } = metric;

        public void Observe(double ms)
        {
            lock (_gate)
            {
                _count++;
                _sum += ms;
                for (int i = 0; i < LatencyBucketsMs.Length; i++)
                {
                    if (ms <= LatencyBucketsMs[i])
                    {
                        _buckets[i]++;
                    }
                }
            }
        }

        public void Render(StringBuilder text)
        {
            lock (_gate)
            {
                for (int i = 0; i < LatencyBucketsMs.Length; i++)
                {
                    text.Append(Metric).Append("_bucket{").Append(labels).Append(",le=\"").Append(LatencyBucketsMs[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ")
                        .Append(_buckets[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                text.Append(Metric).Append("_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(_count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                text.Append(Metric).Append("_sum{").Append(labels).Append("} ").Append(_sum.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
                text.Append(Metric).Append("_count{").Append(labels).Append("} ").Append(_count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }
}
