using System.Diagnostics;

namespace LedgerX.Pact.Testing;

/// <summary>How a run of the script ended: its exit code, and standard output followed by standard error.</summary>
public sealed record ScriptRun(int ExitCode, string Output);

/// <summary>
/// tools/contracts/pact-broker.sh run as CI runs it, a process of its own (bash, the pinned Pact CLI, restored with npm
/// ci on first use), with only the environment the test gives: whatever the machine running the tests has set for the
/// broker, git or CI must not leak in.
/// </summary>
public static class PactBrokerScript
{
    /// <summary>Bounds one run: a publish or can-i-deploy takes well under a second here; npm ci on first use, seconds.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Every variable the script (or the CLI it runs) reads; each run starts with none of them set.</summary>
    private static readonly string[] ScriptVariables =
    [
        "PACT_BROKER_BASE_URL", "PACT_BROKER_TOKEN", "PACT_BROKER_USERNAME", "PACT_BROKER_PASSWORD", "PACT_DIR", "GIT_COMMIT", "GIT_BRANCH",
        "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME", "BRANCH_NAME", "BUILD_URL", "PACT_DEPLOY_ENVIRONMENT",
        "PACT_CAN_I_DEPLOY_RETRIES", "PACT_CLI",
    ];

    public static string FilePath => Path.Combine(RepositoryRoot(), "tools", "contracts", "pact-broker.sh");

    /// <param name="environment">Variables to set for this run (a null value: leave it unset).</param>
    public static async Task<ScriptRun> RunAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, CancellationToken ct = default)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(FilePath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in ScriptVariables)
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            if (value is not null)
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
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
        return new ScriptRun(process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LedgerX.Dapr.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("LedgerX.Dapr.sln not found above the test assembly.");
    }
}
