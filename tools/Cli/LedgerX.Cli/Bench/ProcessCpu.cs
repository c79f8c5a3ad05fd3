using System.Globalization;

namespace LedgerX.Cli.Bench;

/// <summary>CPU time of a process tree from /proc (Linux), for the processes the bench does not run itself:
/// PostgreSQL is a postmaster plus one backend per connection, so its CPU is the postmaster's own time, the time of
/// its live children, and the time of children it has already reaped.</summary>
internal static class ProcessCpu
{
    /// <summary>USER_HZ, the unit of /proc/*/stat times; 100 on every Linux the project runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Seconds of CPU used by <paramref name="parentPid"/> and its children, or null if /proc cannot tell.</summary>
    public static double? TreeSeconds(int parentPid)
    {
        try
        {
            long ticks = 0;
            var found = false;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }
                if (Read(pid) is not { } stat)
                {
                    continue; // Exited between the listing and the read.
                }
                if (pid == parentPid)
                {
                    ticks += stat.Own + stat.Reaped;
                    found = true;
                }
                else if (stat.ParentPid == parentPid)
                {
                    ticks += stat.Own;
                }
            }
            return found ? ticks / TicksPerSecond : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (int ParentPid, long Own, long Reaped)? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may contain spaces: fields are counted after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 15)
        {
            return null;
        }
        long Field(int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
        // After ')': state, ppid, ..., utime (14th field overall → index 11), stime, cutime, cstime.
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), Field(11) + Field(12), Field(13) + Field(14));
    }
}
