using System.Diagnostics;
using System.Security.Cryptography;
using YamlDotNet.Serialization;

namespace LedgerX.Chart.Tests;

/// <summary>Runs tools/chart-render (helm template without Helm) on charts/ledgerx. The renderer is built with Go
/// once per test output directory, and again only when its sources (*.go) change (a hash stamp next to the binary).</summary>
public static class ChartRenderer
{
    private const string Instructions =
        "The chart tests render charts/ledgerx with tools/chart-render, a Go program built from Debian packages. " +
        "Install them (as root): apt-get install -y --no-install-recommends golang-go golang-github-masterminds-sprig-dev " +
        "golang-github-ghodss-yaml-dev golang-gopkg-yaml.v3-dev  (./ledgerx test does this when run as root; see " +
        "tools/chart-render/README.md).";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RenderTimeout = TimeSpan.FromSeconds(30);
    private static readonly Lazy<string> Binary = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ChartDirectory => Repository.PathOf("charts", "ledgerx");

    /// <summary>Renders the chart with these arguments (-f, --set, ...); the render must succeed.</summary>
    public static RenderedChart Render(params string[] args) => RenderAt(ChartDirectory, args);

    /// <summary>Renders the chart in <paramref name="chartDirectory"/> (a copy of charts/ledgerx a test changed, say).</summary>
    public static RenderedChart RenderAt(string chartDirectory, params string[] args)
    {
        var result = RunAt(chartDirectory, args);
        result.ExitCode.ShouldBe(0, $"chart-render {string.Join(' ', args)} failed:\n{result.Stderr}");
        return RenderedChart.Parse(result.Stdout);
    }

    /// <summary>The values an install must set (values/required.yaml, e.g. auth.issuer), given before the test's own.</summary>
    public static string RequiredValues => Path.Combine(AppContext.BaseDirectory, "values", "required.yaml");

    /// <summary>Runs the renderer with <see cref="RequiredValues"/> and then <paramref name="args"/> (a later -f or any
    /// --set overrides them, as in Helm): exit code, stdout, stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => RunAt(ChartDirectory, args);

    private static (int ExitCode, string Stdout, string Stderr) RunAt(string chartDirectory, string[] args)
    {
        var start = new ProcessStartInfo(Binary.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-f", RequiredValues, .. args])
        {
            start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add(chartDirectory);
        return Execute(start, RenderTimeout);
    }

    private static string Build()
    {
        var source = Repository.PathOf("tools", "chart-render");
        var hash = Convert.ToHexString(SHA256.HashData(Directory.GetFiles(source, "*.go").Order(StringComparer.Ordinal)
            .SelectMany(File.ReadAllBytes).ToArray()));
        var dir = Path.Combine(AppContext.BaseDirectory, "chart-render");
        var binary = Path.Combine(dir, "chart-render");
        var stamp = Path.Combine(dir, "go-sources.sha256");
        if (File.Exists(binary) && File.Exists(stamp) && File.ReadAllText(stamp) == hash)
        {
            return binary;
        }

        var go = FindGo() ?? throw new InvalidOperationException($"Go is not installed (no `go` on PATH). {Instructions}");
        if (!Directory.Exists("/usr/share/gocode/src/github.com/Masterminds/sprig"))
        {
            throw new InvalidOperationException($"Debian's sprig sources are missing (/usr/share/gocode/src/github.com/Masterminds/sprig). {Instructions}");
        }
        Directory.CreateDirectory(dir);
        var temp = binary + ".tmp";
        var start = new ProcessStartInfo(go)
        {
            WorkingDirectory = source,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "build", "-o", temp, "." })
        {
            start.ArgumentList.Add(arg);
        }
        // GOPATH mode against Debian's Go sources: the Go module proxy is not reachable here, and nothing is downloaded.
        start.Environment["GO111MODULE"] = "off";
        start.Environment["GOPATH"] = $"{Path.Combine(dir, "gopath")}:/usr/share/gocode";
        start.Environment["GOCACHE"] = Path.Combine(dir, "gocache");
        start.Environment["GOPROXY"] = "off";
        start.Environment["GOFLAGS"] = "";
        var (exitCode, stdout, stderr) = Execute(start, BuildTimeout);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"go build of tools/chart-render failed (exit {exitCode}):\n{stdout}{stderr}\n{Instructions}");
        }
        File.Move(temp, binary, overwrite: true);
        File.WriteAllText(stamp, hash);
        return binary;
    }

    private static string? FindGo()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/lib/go/bin")
            .Select(d => Path.Combine(d, "go"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Runs a process to its end (killed after <paramref name="timeout"/>): exit code, stdout, stderr.</summary>
    internal static (int ExitCode, string Stdout, string Stderr) Execute(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish in {timeout}.");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>The repository checkout: the folder holding LedgerX.Dapr.sln above the test binaries.</summary>
public static class Repository
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LedgerX.Dapr.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No LedgerX.Dapr.sln above {AppContext.BaseDirectory}.");
    });

    public static string PathOf(params string[] parts) => Path.Combine([Root.Value, .. parts]);
}
