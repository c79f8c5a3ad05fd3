using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Finds the app processes one test run started by a variable only they carry, so that teardown can end exactly those
/// (never by name: other runs of the same apps may be running on this machine).
/// </summary>
public static class RunMarker
{
    public const string Variable = "LEDGERX_E2E_RUN";

    public static void KillRemaining(string runId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        byte[] marker = Encoding.ASCII.GetBytes($"{Variable}={runId}\0");
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                byte[] environment = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environment.AsSpan().IndexOf(marker) >= 0)
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
    }
}
