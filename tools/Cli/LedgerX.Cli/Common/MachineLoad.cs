using System.Globalization;

namespace LedgerX.Cli.Common;

/// <summary>What the harnesses record beside their figures: on a shared 2-core machine a latency means little without
/// the load it was measured under.</summary>
internal static class MachineLoad
{
    /// <summary>The 1-minute load average (Linux /proc/loadavg); null elsewhere.</summary>
    public static double? OneMinute()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
