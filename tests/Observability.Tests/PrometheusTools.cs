using System.Diagnostics;
using LedgerX.Testing;

namespace LedgerX.Observability.Tests;

/// <summary>Debian's promtool and amtool, run on the repository's observability/ files.</summary>
public static class PrometheusTools
{
    /// <summary>promtool runs in well under a second; this only stops a hung one from hanging the suite.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    public static string ObservabilityDirectory => RepositoryRoot.PathOf("observability");

    public static string PrometheusDirectory => Path.Combine(ObservabilityDirectory, "prometheus");

    public static (int ExitCode, string Output) Promtool(params string[] args) => Run(Tool("promtool", "prometheus"), args);

    public static (int ExitCode, string Output) Amtool(params string[] args) => Run(Tool("amtool", "prometheus-alertmanager"), args);

    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? PrometheusDirectory,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(HangGuard))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {HangGuard}");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Found on PATH or in /usr/bin, where the Debian package puts it; missing means devenv did not install it.</summary>
    private static string Tool(string name, string package)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"{name} is not installed: as root, `tools/devenv/devenv.sh ensure-packages` (or ./ledgerx test) installs Debian's {package}");
    }
}
