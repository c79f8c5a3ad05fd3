using System.Diagnostics;
using System.Globalization;

namespace LedgerX.Cli.Bench;

/// <summary>A point-in-time reading of everything that says where the time went: the service's own counters (its
/// /metrics), this process's CPU, and the whole machine's CPU (/proc/stat). Two readings bracket a window.</summary>
internal sealed record ResourceSample(long Timestamp, IReadOnlyDictionary<string, double>? Service, TimeSpan ClientCpu, MachineCpu? Machine,
    double? PostgresCpuSeconds);

/// <summary>Jiffies from the "cpu" line of /proc/stat: busy and total, summed over all cores.</summary>
internal sealed record MachineCpu(long Busy, long Total);

/// <summary>What the writer and the machine did during a measurement window; null parts were not observable.</summary>
internal sealed record WriterStats(
    double? Batches,
    double? MeanBatchSize,
    double? MeanBatchMs,
    double? WriterBusyFraction,
    double? ServiceCpuCores,
    double ClientCpuCores,
    double? MachineCpuCores,
    double? PostgresCpuCores,
    double? GcPauseFraction,
    double? ExceptionsPerSecond,
    double? PublishFailuresPerSecond)
{
    public static WriterStats Between(ResourceSample before, ResourceSample after)
    {
        var seconds = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds;
        double? Delta(string name) =>
            before.Service?.GetValueOrDefault(name) is { } b && after.Service?.GetValueOrDefault(name) is { } a ? a - b : null;
        double? PerSecond(double? value) => value / seconds;

        var batches = Delta("ledgerx_ledger_batch_size_count");
        var commands = Delta("ledgerx_ledger_batch_size_sum");
        var batchSeconds = Delta("ledgerx_ledger_batch_duration_seconds_sum");
        double? machineCores = before.Machine is { } m0 && after.Machine is { } m1 && m1.Total > m0.Total
            ? (double)(m1.Busy - m0.Busy) / (m1.Total - m0.Total) * Environment.ProcessorCount
            : null;
        return new WriterStats(
            batches,
            batches > 0 ? commands / batches : null,
            batches > 0 ? batchSeconds / batches * 1000 : null,
            PerSecond(batchSeconds),
            PerSecond(Delta("dotnet_process_cpu_time_seconds_total")),
            (after.ClientCpu - before.ClientCpu).TotalSeconds / seconds,
            machineCores,
            PerSecond(after.PostgresCpuSeconds - before.PostgresCpuSeconds),
            PerSecond(Delta("dotnet_gc_pause_time_seconds_total")),
            PerSecond(Delta("dotnet_exceptions_total")),
            PerSecond(Delta("ledgerx_outbox_publish_failures_total")));
    }

    /// <summary>What the machine spent on things other than this run (other people's builds, other servers): the
    /// number that says whether a result was measured on a quiet machine. Null unless every part was observed.</summary>
    public double? OthersCpuCores => MachineCpuCores - ServiceCpuCores - PostgresCpuCores - ClientCpuCores is { } rest ? Math.Max(0, rest) : null;
}

/// <summary>Takes <see cref="ResourceSample"/>s.</summary>
internal static class ResourceSampler
{
    /// <summary>The series the bench reads (summed over their labels).</summary>
    public static readonly string[] ServiceSeries =
    [
        "ledgerx_ledger_batch_size_count", "ledgerx_ledger_batch_size_sum", "ledgerx_ledger_batch_duration_seconds_sum",
        "dotnet_process_cpu_time_seconds_total", "dotnet_gc_pause_time_seconds_total", "dotnet_exceptions_total",
        "ledgerx_outbox_publish_failures_total",
    ];

    /// <param name="postmasterPid">PostgreSQL's postmaster when the bench started it (its CPU is then measured).</param>
    public static async Task<ResourceSample> SampleAsync(LedgerApiClient api, int? postmasterPid, CancellationToken ct)
    {
        var timestamp = Stopwatch.GetTimestamp();
        var machine = ReadMachineCpu();
        var postgres = postmasterPid is { } pid ? ProcessCpu.TreeSeconds(pid) : null;
        using var self = Process.GetCurrentProcess();
        var client = self.TotalProcessorTime;
        var text = await api.MetricsAsync(ct);
        return new ResourceSample(timestamp, text is null ? null : PrometheusText.Sum(text, ServiceSeries), client, machine, postgres);
    }

    /// <summary>user+nice+system+irq+softirq+steal are busy; idle+iowait are not (Linux only; null elsewhere).</summary>
    private static MachineCpu? ReadMachineCpu()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null)
            {
                return null;
            }
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            var total = fields.Sum();
            return new MachineCpu(total - idle, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>Just enough of the Prometheus text format to sum a few series.</summary>
internal static class PrometheusText
{
    public static IReadOnlyDictionary<string, double> Sum(string text, IReadOnlyCollection<string> names)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0)
            {
                continue;
            }
            var name = line[..nameEnd];
            if (!names.Contains(name))
            {
                continue;
            }
            // The value follows the labels (which may contain spaces inside quotes): it is the token after the last '}'
            // or after the name, and an optional timestamp may follow it.
            var rest = line[(line[nameEnd] == '{' ? line.LastIndexOf('}') + 1 : nameEnd)..].Trim();
            var valueText = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                sums[name] = sums.GetValueOrDefault(name) + value;
            }
        }
        return sums;
    }
}
