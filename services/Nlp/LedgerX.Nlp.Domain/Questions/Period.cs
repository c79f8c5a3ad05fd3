namespace LedgerX.Nlp.Domain.Questions;

/// <summary>A half-open interval [Start, End) of instants. Built from calendar days in the asker's time zone, so "last
/// month" for a user in Berlin starts at Berlin midnight, whatever the server's zone.</summary>
public sealed record Period(DateTimeOffset Start, DateTimeOffset End, string Label)
{
    /// <summary>The days [first, endExclusive) in <paramref name="zone"/>.</summary>
    public static Period Days(DateOnly first, DateOnly endExclusive, TimeZoneInfo zone, string label)
    {
        if (endExclusive < first) throw new ArgumentException("A period cannot end before it starts.", nameof(endExclusive));
        return new Period(StartOfDay(first, zone), StartOfDay(endExclusive, zone), label);
    }

    /// <summary>Everything up to one instant (a balance "now").</summary>
    public static Period Until(DateTimeOffset end, string label) => new(end, end, label);

    /// <summary>Local midnight of <paramref name="day"/> in <paramref name="zone"/> as an instant.</summary>
    public static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A zone whose clocks jump over midnight has no local midnight that day: take the first instant after the gap.
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>Equal instants, whatever the label or the offset they are written with.</summary>
    public bool SameSpan(Period? other) =>
        other is not null && Start.UtcDateTime == other.Start.UtcDateTime && End.UtcDateTime == other.End.UtcDateTime;

    /// <summary>The period of the same shape just before this one: the previous calendar month when this is one,
    /// otherwise the same number of days immediately before.</summary>
    public Period Previous(TimeZoneInfo zone)
    {
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Start, zone).DateTime);
        var end = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(End, zone).DateTime);
        if (first.Day == 1 && end == first.AddMonths(1))
            return Days(first.AddMonths(-1), first, zone, "the month before");
        var length = end.DayNumber - first.DayNumber;
        return Days(first.AddDays(-length), first, zone, "the period before");
    }
}
