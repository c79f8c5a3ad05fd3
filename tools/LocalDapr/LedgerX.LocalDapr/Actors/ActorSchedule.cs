using System.Globalization;
using System.Text.RegularExpressions;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Actors;

/// <summary>
/// When a reminder or timer fires, parsed from its registration (RT <c>pkg/actors/internal/reminder.go</c>):
/// <c>dueTime</c> is a Go duration, an ISO 8601 duration (<c>PT5S</c>) or an RFC 3339 instant; <c>period</c>
/// is a Go duration, an ISO 8601 duration, or <c>R{n}/{ISO duration}</c> (n repetitions); <c>ttl</c> is a Go
/// duration, an ISO 8601 duration or an RFC 3339 instant. Empty means "now" / "once" / "never expires".
/// </summary>
public sealed partial record ActorSchedule(DateTimeOffset FirstFireAt, TimeSpan? Period, int? Repetitions, DateTimeOffset? ExpiresAt)
{
    /// <summary>Guards against a period that would keep the sidecar busy doing nothing but firing.</summary>
    public static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(1);

    public static ActorSchedule Parse(string? dueTime, string? period, string? ttl, DateTimeOffset now, string errorCode, string what)
    {
        DateTimeOffset first = now;
        if (!string.IsNullOrWhiteSpace(dueTime))
        {
            if (TryParseDuration(dueTime, out TimeSpan due))
            {
                first = now + (due < TimeSpan.Zero ? TimeSpan.Zero : due);
            }
            else if (DateTimeOffset.TryParse(dueTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
            {
                first = at < now ? now : at;
            }
            else
            {
                throw Bad(errorCode, what, $"error parsing dueTime: unsupported time/duration format \"{dueTime}\"");
            }
        }

        TimeSpan? every = null;
        int? repetitions = null;
        if (!string.IsNullOrWhiteSpace(period))
        {
            if (!TryParsePeriod(period, out TimeSpan parsed, out repetitions))
            {
                throw Bad(errorCode, what, $"error parsing period: unsupported duration format \"{period}\"");
            }

            // The SDK sends a negative period (Timeout.InfiniteTimeSpan) for "fire once".
            if (parsed > TimeSpan.Zero)
            {
                every = parsed < MinPeriod ? MinPeriod : parsed;
            }
            else if (repetitions is not null)
            {
                throw Bad(errorCode, what, "error parsing period: repetitions need a positive period");
            }

            if (repetitions is 0)
            {
                throw Bad(errorCode, what, "error parsing period: repetitions must be greater than 0");
            }
        }

        DateTimeOffset? expires = null;
        if (!string.IsNullOrWhiteSpace(ttl))
        {
            if (TryParseDuration(ttl, out TimeSpan span))
            {
                // daprd measures a duration ttl from the first firing (RT reminder.go: dueTime + ttl).
                expires = first + span;
            }
            else if (DateTimeOffset.TryParse(ttl, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
            {
                expires = at;
            }
            else
            {
                throw Bad(errorCode, what, $"error parsing ttl: unsupported time/duration format \"{ttl}\"");
            }

            if (expires < first)
            {
                throw Bad(errorCode, what, $"ttl {ttl} expires before the first firing");
            }
        }

        return new ActorSchedule(first, every, repetitions, expires);
    }

    /// <summary>A Go duration (<c>0h0m5s0ms</c>, <c>-1ms</c>) or an ISO 8601 duration (<c>PT1M</c>, <c>P1DT2H</c>).</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        bool negative = text.StartsWith('-');
        string body = negative ? text[1..] : text;
        if (GoDuration.TryParse(body, out value) || TryParseIso(body, out value))
        {
            value = negative ? -value : value;
            return true;
        }

        return false;
    }

    /// <summary>A duration, or <c>R{n}/{ISO duration}</c> with <paramref name="repetitions"/> n.</summary>
    public static bool TryParsePeriod(string text, out TimeSpan value, out int? repetitions)
    {
        repetitions = null;
        var match = IsoRepetition().Match(text.Trim());
        if (match.Success)
        {
            repetitions = int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            return TryParseIso(match.Groups["d"].Value, out value) || GoDuration.TryParse(match.Groups["d"].Value, out value);
        }

        return TryParseDuration(text, out value);
    }

    /// <summary>
    /// The SDK's own duration format (<c>{hours}h{m}m{s}s{ms}ms</c>): the only one its app side parses for
    /// <c>dueTime</c> and <c>ttl</c>, so registrations made in Go or ISO form still reach a .NET actor intact.
    /// </summary>
    public static string ToDaprFormat(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            value = TimeSpan.Zero;
        }

        long hours = (long)value.TotalHours;
        return string.Create(CultureInfo.InvariantCulture, $"{hours}h{value.Minutes}m{value.Seconds}s{value.Milliseconds}ms");
    }

    /// <summary>
    /// A period as the SDK reads it: <c>R{n}/P…T…</c> when there are repetitions and the period is whole seconds (the
    /// form the SDK itself writes), otherwise the SDK duration format; empty for "once".
    /// </summary>
    public static string ToSdkPeriod(TimeSpan? every, int? repetitions)
    {
        if (every is not { } period)
        {
            return "";
        }

        if (repetitions is not { } n || period.Milliseconds != 0 || period.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return ToDaprFormat(period);
        }

        var iso = new System.Text.StringBuilder();
        iso.Append(CultureInfo.InvariantCulture, $"R{n}/P");
        if (period.Days > 0)
        {
            iso.Append(CultureInfo.InvariantCulture, $"{period.Days}D");
        }

        iso.Append('T');
        if (period.Hours > 0)
        {
            iso.Append(CultureInfo.InvariantCulture, $"{period.Hours}H");
        }

        if (period.Minutes > 0)
        {
            iso.Append(CultureInfo.InvariantCulture, $"{period.Minutes}M");
        }

        if (period.Seconds > 0)
        {
            iso.Append(CultureInfo.InvariantCulture, $"{period.Seconds}S");
        }

        return iso.ToString();
    }

    private static bool TryParseIso(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var m = IsoDuration().Match(text);
        if (!m.Success || text is "P" or "PT" || text.EndsWith('T'))
        {
            return false;
        }

        double Part(string name) => m.Groups[name].Success ? double.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : 0;

        // Go's ISO parser in daprd counts a year as 365 days and a month as 30 days; so do we.
        double days = (Part("y") * 365) + (Part("mo") * 30) + (Part("w") * 7) + Part("d");
        value = TimeSpan.FromDays(days) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("mi")) + TimeSpan.FromSeconds(Part("s"));
        return true;
    }

    /// <summary>daprd answers every failure of timer/reminder creation, a bad time format included, with 500/Internal (messages.ErrActorReminderCreate, ErrActorTimerCreate).</summary>
    private static DaprApiException Bad(string errorCode, string what, string message) =>
        new(Grpc.Core.StatusCode.Internal, 500, errorCode, $"error creating actor {what}: {message}");

    [GeneratedRegex(@"^R(?<n>\d+)/(?<d>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoRepetition();

    [GeneratedRegex(@"^P(?:(?<y>\d+(?:\.\d+)?)Y)?(?:(?<mo>\d+(?:\.\d+)?)M)?(?:(?<w>\d+(?:\.\d+)?)W)?(?:(?<d>\d+(?:\.\d+)?)D)?(?:T(?:(?<h>\d+(?:\.\d+)?)H)?(?:(?<mi>\d+(?:\.\d+)?)M)?(?:(?<s>\d+(?:\.\d+)?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDuration();
}
