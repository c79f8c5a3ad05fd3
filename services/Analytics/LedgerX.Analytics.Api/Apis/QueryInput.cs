using System.Globalization;
using LedgerX.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Analytics.Api.Apis;

/// <summary>
/// Reads query-string input by hand, so that every bad value becomes a validation problem naming its field (the
/// framework's binder would answer a generic 400 without the field). Collects every error before answering.
/// </summary>
public sealed class QueryInput
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public ValidationProblem Problem() => Problems.Validation(_errors);

    public void Fail(string field, string message) => _errors.TryAdd(field, [message]);

    public Guid AccountId(string? value)
    {
        if (Guid.TryParse(value, out var id))
        {
            return id;
        }
        Fail("accountId", "The account id is a UUID.");
        return Guid.Empty;
    }

    public int Limit(string? value, int fallback, int max, string field = "limit")
    {
        if (value is null)
        {
            return fallback;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= max)
        {
            return limit;
        }
        Fail(field, $"The {field} is a whole number from 1 to {max}.");
        return fallback;
    }

    public long Cursor(string? value, string field = "after")
    {
        if (value is null)
        {
            return 0;
        }
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
        {
            return cursor;
        }
        Fail(field, "The cursor is the nextCursor of the previous page (a whole number, 0 or more).");
        return 0;
    }

    public DateOnly? Day(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }
        Fail(field, "A day is written yyyy-MM-dd (UTC).");
        return null;
    }

    public DateOnly? Month(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            return month;
        }
        Fail(field, "A month is written yyyy-MM (UTC).");
        return null;
    }

    public string? Currency(string? value)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Length == 3 && value.All(char.IsAsciiLetterUpper))
        {
            return value;
        }
        Fail("currency", "The currency is an ISO 4217 code in upper case, such as EUR.");
        return null;
    }

    /// <summary>A day range: both ends inclusive, defaulting to the <paramref name="defaultDays"/> days up to today, at
    /// most <paramref name="maxDays"/> long (every answer is bounded).</summary>
    public (DateOnly From, DateOnly To) DayRange(string? from, string? to, DateOnly today, int defaultDays, int maxDays)
    {
        var end = Day(to, "to") ?? today;
        var start = Day(from, "from") ?? end.AddDays(1 - defaultDays);
        if (!IsValid)
        {
            return (start, end);
        }
        if (start > end)
        {
            Fail("from", "'from' is on or before 'to'.");
        }
        else if (end.DayNumber - start.DayNumber + 1 > maxDays)
        {
            Fail("to", $"A range covers at most {maxDays} days.");
        }
        return (start, end);
    }
}
