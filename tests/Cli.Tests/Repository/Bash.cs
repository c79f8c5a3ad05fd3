using System.Diagnostics;
using System.Text;

namespace LedgerX.Cli.Tests.Repository;

/// <summary>How a bash run ended: its exit code, standard output and standard error.</summary>
public sealed record BashRun(int ExitCode, string StdOut, string StdErr)
{
    public string Output => StdOut + StdErr;
}

/// <summary>
/// Runs the repository's shell entry points (<c>./ledgerx</c>, <c>tools/devenv/devenv.sh</c>) as a user would, from the
/// checkout the tests were built in, with the environment each test gives on top of its own.
/// </summary>
public static class Bash
{
    /// <summary>Bounds one run, so a hung script fails its test instead of the whole test run.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static string RepositoryRoot { get; } = LedgerX.Testing.RepositoryRoot.Directory.FullName;

    /// <summary>Runs <paramref name="script"/> with <c>bash -c</c> in the repository root.</summary>
    /// <param name="environment">Variables to set (a null value: unset it).</param>
    public static async Task<BashRun> RunAsync(string script, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken ct = default)
    {
        using var process = Process.Start(Start(script, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new BashRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Starts <paramref name="script"/> and returns once it has printed <paramref name="readyLine"/> on standard output; it
    /// keeps running (the caller stops it). Fails with everything it printed if it ends first.
    /// </summary>
    public static async Task<Process> StartAsync(string script, string readyLine, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken ct = default)
    {
        var process = Process.Start(Start(script, environment))!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == readyLine)
            {
                return process;
            }
        }
        await process.WaitForExitAsync(timeout.Token);
        string printed;
        lock (stderr)
        {
            printed = stderr.ToString();
        }
        process.Dispose();
        throw new InvalidOperationException($"the script ended (exit code {process.ExitCode}) before it printed '{readyLine}':\n{printed}");
    }

    /// <summary>A single-quoted bash word for <paramref name="value"/>.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static ProcessStartInfo Start(string script, IReadOnlyDictionary<string, string?>? environment)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        return start;
    }
}
