using LedgerX.Cli.Common;

namespace LedgerX.Cli.Backup;

/// <summary>
/// Runs a bash snippet with tools/devenv/devenv.sh sourced, so the PostgreSQL binaries (<c>pg_bindir</c>) and the OS user
/// that owns the cluster (<c>as_pg_user</c>, <c>pg_os_user</c>: PostgreSQL refuses to run as root) are the very ones
/// devenv.sh started the server with. Arguments reach the snippet as $1.. (never spliced into the script).
/// </summary>
internal sealed class DevenvShell(string repositoryRoot)
{
    private const string DevenvRelativePath = "tools/devenv/devenv.sh";

    public string Devenv => Path.Combine(repositoryRoot, DevenvRelativePath);

    /// <summary>Runs SCRIPT; throws <see cref="BackupException"/> with stderr when it fails.</summary>
    public async Task<string> RunAsync(string what, string script, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await ProcessRunner.RunAsync("bash",
            ["-c", "set -euo pipefail; source \"$LEDGERX_DEVENV\"; " + script, "ledgerx-backup", .. arguments], timeout, ct,
            new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["LEDGERX_DEVENV"] = Devenv });
        if (result.ExitCode != 0)
        {
            throw new BackupException($"{what} failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
        }

        return result.StandardOutput;
    }
}

/// <summary>A backup or restore step failed; the message says which and why (the verbs exit with <see cref="ExitCodes.SetupFailed"/>).</summary>
internal sealed class BackupException(string message) : Exception(message);
