using System.Globalization;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>
/// The schedule syntax of <c>bindings.cron</c> (robfig/cron with optional seconds): 5 or 6 fields with
/// <c>*</c>, <c>*/n</c>, <c>a-b</c>, <c>a-b/n</c> and lists, the descriptors <c>@yearly</c> ... <c>@hourly</c>,
/// and <c>@every &lt;duration&gt;</c>. Times are UTC. Month and weekday names are not supported.
/// </summary>
public sealed class CronSchedule
{
    private readonly TimeSpan? _every;
    private readonly bool[][] _fields = [];

    private CronSchedule(TimeSpan every) => _every = every;

    private CronSchedule(bool[][] fields) => _fields = fields;

    public static CronSchedule Parse(string text)
    {
        string s = text.Trim();
        if (s.StartsWith("@every ", StringComparison.Ordinal))
        {
            return Resources.GoDuration.TryParse(s[7..].Trim(), out TimeSpan every) && every >= TimeSpan.FromMilliseconds(100)
                ? new CronSchedule(every)
                : throw new FormatException($"'{text}': @every needs a duration of at least 100ms");
        }

        s = s switch
        {
            "@yearly" or "@annually" => "0 0 0 1 1 *",
            "@monthly" => "0 0 0 1 * *",
            "@weekly" => "0 0 0 * * 0",
            "@daily" or "@midnight" => "0 0 0 * * *",
            "@hourly" => "0 0 * * * *",
            _ => s,
        };
        string[] parts = s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 5)
        {
            parts = ["0", .. parts];
        }

        if (parts.Length != 6)
        {
            throw new FormatException($"'{text}' is not a cron schedule (5 or 6 fields, or @every <duration>)");
        }

        (int Min, int Max)[] ranges = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];
        var fields = new bool[6][];
        for (int i = 0; i < 6; i++)
        {
            fields[i] = ParseField(text, parts[i], ranges[i].Min, ranges[i].Max);
        }

        return new CronSchedule(fields);
    }

    public DateTimeOffset Next(DateTimeOffset after)
    {
        if (_every is { } every)
        {
            return after + every;
        }

        var t = new DateTimeOffset(after.UtcDateTime.Year, after.UtcDateTime.Month, after.UtcDateTime.Day, after.UtcDateTime.Hour, after.UtcDateTime.Minute, after.UtcDateTime.Second, TimeSpan.Zero).AddSeconds(1);
        var limit = after.AddYears(5);
        while (t < limit)
        {
            if (!_fields[4][t.Month])
            {
                t = new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
            }
            else if (!_fields[3][t.Day] || !_fields[5][(int)t.DayOfWeek])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
            }
            else if (!_fields[2][t.Hour])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
            }
            else if (!_fields[1][t.Minute])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1);
            }
            else if (!_fields[0][t.Second])
            {
                t = t.AddSeconds(1);
            }
            else
            {
                return t;
            }
        }

        throw new InvalidOperationException("cron schedule never fires within 5 years");
    }

    private static bool[] ParseField(string text, string field, int min, int max)
    {
        var allowed = new bool[max + 1];
        foreach (string part in field.Split(','))
        {
            string range = part;
            int step = 1;
            int slash = part.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                step = Number(text, part[(slash + 1)..], 1, max);
                range = part[..slash];
            }

            int from = min;
            int to = max;
            if (range is not ("*" or "?"))
            {
                int dash = range.IndexOf('-', StringComparison.Ordinal);
                from = Number(text, dash >= 0 ? range[..dash] : range, min, max);
                to = dash >= 0 ? Number(text, range[(dash + 1)..], min, max) : (slash >= 0 ? max : from);
            }

            for (int v = from; v <= to; v += step)
            {
                allowed[v] = true;
            }
        }

        return allowed;
    }

    private static int Number(string text, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new FormatException($"'{text}': '{value}' is outside {min}-{max}");
}
