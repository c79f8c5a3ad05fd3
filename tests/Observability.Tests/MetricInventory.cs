using System.Text.RegularExpressions;
using LedgerX.Testing;

namespace LedgerX.Observability.Tests;

/// <summary>
/// The metric names the system exports, as Prometheus sees them, derived from the code that declares them: every
/// LedgerX instrument (<c>meter.CreateCounter("ledgerx.x.y", unit: "s")</c> in services/), named the way the
/// OpenTelemetry Prometheus exporter names it (dots to underscores, the unit "s" as <c>_seconds</c>, counters
/// <c>_total</c>, histograms <c>_bucket</c>/<c>_sum</c>/<c>_count</c>); every daprd metric the local sidecar writes
/// (tools/LocalDapr Metrics/SidecarMetrics.cs); ASP.NET Core's request histogram; and Prometheus's own <c>up</c> and
/// <c>ALERTS</c>. A dashboard or rule naming anything else would plot nothing.
/// </summary>
public static partial class MetricInventory
{
    /// <summary>ASP.NET Core's http.server.request.duration (seconds), the RED source of every app.</summary>
    private const string AspNetCoreRequests = "http_server_request_duration_seconds";

    private static readonly Lazy<IReadOnlySet<string>> Names = new(Build);

    public static IReadOnlySet<string> Exported => Names.Value;

    private static HashSet<string> Build()
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "up", "ALERTS", "ALERTS_FOR_STATE" };
        AddHistogram(names, AspNetCoreRequests);
        foreach (string file in Directory.EnumerateFiles(RepositoryRoot.PathOf("services"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            foreach (Match m in Instrument().Matches(File.ReadAllText(file)))
            {
                string name = m.Groups["name"].Value.Replace('.', '_');
                if (m.Groups["unit"].Value == "s")
                {
                    name += "_seconds";
                }

                switch (m.Groups["kind"].Value)
                {
                    case "Counter" or "ObservableCounter":
                        names.Add(name + "_total");
                        break;
                    case "Histogram":
                        AddHistogram(names, name);
                        break;
                    default:
                        names.Add(name);
                        break;
                }
            }
        }

        string sidecar = File.ReadAllText(RepositoryRoot.PathOf("tools", "LocalDapr", "LedgerX.LocalDapr", "Metrics", "SidecarMetrics.cs"));
        foreach (Match m in SidecarMetric().Matches(sidecar))
        {
            if (m.Groups["kind"].Value == "Observe")
            {
                AddHistogram(names, m.Groups["name"].Value);
            }
            else
            {
                names.Add(m.Groups["name"].Value);
            }
        }

        return names;
    }

    private static void AddHistogram(HashSet<string> names, string name)
    {
        names.Add(name + "_bucket");
        names.Add(name + "_sum");
        names.Add(name + "_count");
    }

    // meter.CreateCounter<long>("ledgerx.a.b", ...unit: "s"...): the unit, when given, comes before the statement ends.
    [GeneratedRegex(@"Create(?<kind>Counter|Histogram|ObservableGauge|ObservableCounter|UpDownCounter|ObservableUpDownCounter|Gauge)(?:<\w+>)?\(\s*""(?<name>ledgerx\.[a-z0-9_.]+)""(?:[^;]*?unit:\s*""(?<unit>[^""]*)"")?")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"(?<kind>Increment|Observe)\(""(?<name>dapr_[a-z0-9_]+)""")]
    private static partial Regex SidecarMetric();
}
