using Cronos;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>
/// The schedule syntax of <c>bindings.cron</c> (robfig/cron with optional seconds): 5 or 6 fields (lists, ranges,
/// steps, month and weekday names), the descriptors <c>@yearly</c> ... <c>@hourly</c>, and <c>@every &lt;duration&gt;</c>.
/// The cron forms are parsed and evaluated by Cronos; <c>@every</c> (robfig's own, not cron) takes a Go duration.
/// Times are UTC.
/// </summary>
public sealed class CronSchedule
{
    private readonly TimeSpan? _every;
    private readonly CronExpression? _expression;

    private CronSchedule(TimeSpan every) => _every = every;

    private CronSchedule(CronExpression expression) => _expression = expression;

    public static CronSchedule Parse(string text)
    {
        string s = text.Trim();
        if (s.StartsWith("@every ", StringComparison.Ordinal))
        {
            return Resources.GoDuration.TryParse(s[7..].Trim(), out TimeSpan every) && every >= TimeSpan.FromMilliseconds(100)
                ? new CronSchedule(every)
                : throw new FormatException($"'{text}': @every needs a duration of at least 100ms");
        }

        if (!s.StartsWith('@'))
        {
            string[] parts = s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            s = parts.Length switch
            {
                // robfig's optional seconds: a 5-field schedule fires at second 0.
                5 => "0 " + string.Join(' ', parts),
                6 => string.Join(' ', parts),
                _ => throw new FormatException($"'{text}' is not a cron schedule (5 or 6 fields, or @every <duration>)"),
            };
        }

        try
        {
            return new CronSchedule(CronExpression.Parse(s, CronFormat.IncludeSeconds));
        }
        catch (CronFormatException ex)
        {
            throw new FormatException($"'{text}' is not a cron schedule: {ex.Message}", ex);
        }
    }

    public DateTimeOffset Next(DateTimeOffset after)
    {
        if (_every is { } every)
        {
            return after + every;
        }

        return _expression!.GetNextOccurrence(after.ToUniversalTime(), TimeZoneInfo.Utc)
            ?? throw new InvalidOperationException("the cron schedule never fires again");
    }
}
