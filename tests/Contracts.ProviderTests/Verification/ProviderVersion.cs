using System.Diagnostics;

namespace LedgerX.Contracts.ProviderTests.Verification;

/// <summary>
/// Who is being verified, as the broker records it: the commit (<c>GIT_COMMIT</c>, else <c>git rev-parse HEAD</c>) and
/// the branch (<c>GIT_BRANCH</c>, else <c>git rev-parse --abbrev-ref HEAD</c>). CI sets the variables, since a CI checkout
/// is often a detached HEAD whose branch git cannot name.
/// </summary>
public static class ProviderVersion
{
    public const string Provider = "transaction-service";

    /// <summary>Bounds each git call: it reads local files only.</summary>
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The commit being verified; null outside a git checkout with no GIT_COMMIT.</summary>
    public static Task<string?> CommitAsync() => FromEnvironmentOrGitAsync("GIT_COMMIT", "rev-parse", "HEAD");

    /// <summary>The branch being verified; null on a detached HEAD with no GIT_BRANCH.</summary>
    public static async Task<string?> BranchAsync() =>
        await FromEnvironmentOrGitAsync("GIT_BRANCH", "rev-parse", "--abbrev-ref", "HEAD") is { } branch && branch != "HEAD" ? branch : null;

    /// <summary>The CI build that verified (<c>BUILD_URL</c>, as tools/contracts/pact-broker.sh publishes pacts with), if any.</summary>
    public static string? BuildUrl => Environment.GetEnvironmentVariable("BUILD_URL") is { Length: > 0 } url ? url : null;

    /// <summary>Whether to publish verification results to the broker: CI's verification of a real build, never a developer's run.</summary>
    public static bool PublishResults => Environment.GetEnvironmentVariable("PACT_PUBLISH_VERIFICATION_RESULTS") == "true";

    private static async Task<string?> FromEnvironmentOrGitAsync(string variable, params string[] gitArguments)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            return value.Trim();
        }
        var start = new ProcessStartInfo("git", gitArguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        try
        {
            using var git = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(GitTimeout);
            var output = git.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = git.StandardError.ReadToEndAsync(timeout.Token);
            await git.WaitForExitAsync(timeout.Token);
            var text = (await output).Trim();
            await errors;
            return git.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            return null; // No git on this machine, or it hung.
        }
    }
}
