using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LedgerX.LocalDapr.Launcher;
using LedgerX.Testing;

namespace LedgerX.EndToEnd.Tests.Observability;

/// <summary>
/// Debian's Prometheus with the repository's own observability/prometheus (its prometheus.yml and rules, as
/// <c>./ledgerx up --observe</c> lays them out), scraping every app and sidecar of a running system on the ports the
/// fixture relocated them to: the file_sd targets are written from the run file exactly as observability/targets.sh
/// writes them from dapr.yaml (app_id and tier labels). Only the intervals are shortened, so rates appear within
/// seconds, and no Alertmanager is named (alerts are evaluated, not sent).
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    /// <summary>Short, so that a [1m] rate has many samples within a short test; the repository's file says 5s.</summary>
    public const string TestInterval = "1s";

    private const string Binary = "/usr/bin/prometheus";
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log = new();

    private PrometheusServer(Process process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Url { get; }

    public HttpClient Http { get; }

    /// <summary>What Prometheus logged, for a failure message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<PrometheusServer> StartAsync(RunFile runFile, CancellationToken ct)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: as root, tools/devenv/devenv.sh ensure-packages installs Debian's prometheus");
        }

        string directory = Directory.CreateTempSubdirectory("ledgerx-e2e-prometheus-").FullName;
        int port = MultiAppRunner.FreePort();
        string source = RepositoryRoot.PathOf("observability", "prometheus");
        string config = File.ReadAllText(Path.Combine(source, "prometheus.yml"));
        config = Replace(config, "scrape_interval: 5s", $"scrape_interval: {TestInterval}");
        config = Replace(config, "evaluation_interval: 5s", $"evaluation_interval: {TestInterval}");
        config = Replace(config, "localhost:9090", $"127.0.0.1:{port}");
        File.WriteAllText(Path.Combine(directory, "prometheus.yml"), config);
        Directory.CreateSymbolicLink(Path.Combine(directory, "rules"), Path.Combine(source, "rules"));
        WriteTargets(Path.Combine(directory, "targets"), runFile);

        var info = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
                 {
                     "--config.file=prometheus.yml", "--storage.tsdb.path=data", $"--web.listen-address=127.0.0.1:{port}",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Binary}");
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(ct);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>An instant query through the HTTP API: (error or null, the result vector's series).</summary>
    public async Task<(string? Error, JsonElement[] Series)> QueryAsync(string expression, CancellationToken ct)
    {
        using var response = await Http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(expression), ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            return ($"{root.GetProperty("errorType").GetString()}: {root.GetProperty("error").GetString()}", []);
        }

        // A vector or matrix lists series; a scalar or string is one value.
        var data = root.GetProperty("data");
        var result = data.GetProperty("result");
        JsonElement[] series = result.ValueKind == JsonValueKind.Array ? result.EnumerateArray().Select(e => e.Clone()).ToArray() : [result.Clone()];
        return (null, series);
    }

    /// <summary>How many times the least scraped app or sidecar target has been scraped in the last minute (0 before
    /// the first scrape): every series those targets expose is in the database once this reaches 2.</summary>
    public async Task<int> ScrapesOfEveryTargetAsync(CancellationToken ct)
    {
        var (error, series) = await QueryAsync("min(count_over_time(up{tier=~\"app|sidecar\"}[1m]))", ct);
        if (error is not null)
        {
            throw new InvalidOperationException($"prometheus refused the scrape count: {error}");
        }

        return series.Length == 0 ? 0 : (int)double.Parse(series[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every rule Prometheus loaded, from /api/v1/rules: (group, type "recording"/"alerting", name, health, lastError).</summary>
    public async Task<IReadOnlyList<(string Group, string Type, string Name, string Health, string? LastError)>> RulesAsync(CancellationToken ct)
    {
        using var json = JsonDocument.Parse(await Http.GetStringAsync("api/v1/rules", ct));
        return [.. from g in json.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                   from r in g.GetProperty("rules").EnumerateArray()
                   select (g.GetProperty("name").GetString()!, r.GetProperty("type").GetString()!, r.GetProperty("name").GetString()!,
                       r.GetProperty("health").GetString()!, r.TryGetProperty("lastError", out var e) ? e.GetString() : null)];
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>observability/targets.sh's apps.json and sidecars.json, for the run file's (relocated) ports.</summary>
    private static void WriteTargets(string directory, RunFile runFile)
    {
        Directory.CreateDirectory(directory);
        static string Entries(IEnumerable<(int? Port, string AppId)> targets, string tier) =>
            JsonSerializer.Serialize(targets.Where(t => t.Port is not null).Select(t => new
            {
                targets = new[] { $"127.0.0.1:{t.Port}" },
                labels = new Dictionary<string, string> { ["app_id"] = t.AppId, ["tier"] = tier },
            }));

        // As targets.sh: an app's own /metrics on its app port, unless it has a management listener (the gateway).
        File.WriteAllText(Path.Combine(directory, "apps.json"), Entries(runFile.Apps.Select(a => (OwnMetricsPort(a) ?? a.AppPort, a.AppId)), "app"));
        File.WriteAllText(Path.Combine(directory, "sidecars.json"), Entries(runFile.Apps.Select(a => (a.MetricsPort, a.AppId)), "sidecar"));
        File.WriteAllText(Path.Combine(directory, "alertmanager.json"), "[]");
    }

    /// <summary>The port of the app's <c>&lt;Section&gt;__MetricsUrl</c> setting (the gateway's management listener), if any.</summary>
    public static int? OwnMetricsPort(RunFileApp app) =>
        app.Env.Where(kv => kv.Key.EndsWith("__MetricsUrl", StringComparison.Ordinal)).Select(kv => (int?)new Uri(kv.Value).Port).SingleOrDefault();

    private static string Replace(string text, string old, string replacement) =>
        text.Contains(old, StringComparison.Ordinal)
            ? text.Replace(old, replacement, StringComparison.Ordinal)
            : throw new InvalidOperationException($"observability/prometheus/prometheus.yml no longer contains '{old}': update {nameof(PrometheusServer)}");

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + ReadyDeadline;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with code {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var ready = await Http.GetAsync("-/ready", ct);
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }

        throw new TimeoutException($"prometheus did not become ready within {ReadyDeadline}:\n{Log}");
    }
}
