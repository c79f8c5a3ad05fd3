using System.Globalization;
using System.Text.RegularExpressions;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Domain.Interpreting;

/// <summary>Finds the periods a normalised question names, as [start, end) in the asker's zone relative to "now".
/// Each match is blanked out of the text so that its digits are not read again as counts or amounts. A month or
/// a date without a year means the most recent one that has begun (in March, asked in June, is this year's March;
/// "in September" asked in June is last year's).</summary>
public static partial class PeriodParser
{
    private static readonly string[][] MonthNames =
    [
        ["january", "jan", "januar", "jaenner"], ["february", "feb", "februar"], ["march", "mar", "maerz", "marz"],
        ["april", "apr"], ["may", "mai"], ["june", "jun", "juni"], ["july", "jul", "juli"], ["august", "aug"],
        ["september", "sep", "sept"], ["october", "oct", "oktober", "okt"], ["november", "nov"],
        ["december", "dec", "dezember", "dez"],
    ];

    private static readonly string Month = string.Join('|', MonthNames.SelectMany(names => names).OrderByDescending(n => n.Length));

    public static int? MonthNumber(string word)
    {
        for (var i = 0; i < MonthNames.Length; i++)
            if (MonthNames[i].Contains(word)) return i + 1;
        return null;
    }

    /// <summary>Returns the periods found (in the order of the text) and the text with them blanked.</summary>
    public static (IReadOnlyList<Period> Periods, string Remaining) Extract(string normalized, DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var found = new List<(int Index, Period Period)>();
        var text = normalized;

        void Take(Regex regex, Func<Match, Period?> build)
        {
            text = regex.Replace(text, match =>
            {
                var period = build(match);
                if (period is null) return match.Value;
                found.Add((match.Index, period));
                return new string(' ', match.Length);
            });
        }

        Period DaysP(DateOnly first, DateOnly end, string label) => Period.Days(first, end, zone, label);
        DateOnly MonthStart(int month, int? year)
        {
            var y = year ?? (month <= today.Month ? today.Year : today.Year - 1);
            return new DateOnly(y, month, 1);
        }
        DateOnly? Date(string dayText, string monthText, string? yearText)
        {
            var month = MonthNumber(monthText);
            if (month is null || !int.TryParse(dayText, CultureInfo.InvariantCulture, out var day)) return null;
            int year;
            if (yearText is not null) year = int.Parse(yearText, CultureInfo.InvariantCulture);
            else
            {
                year = today.Year;
                if (new DateOnly(year, month.Value, 1) > today || (month == today.Month && day > today.Day)) year--;
            }
            return day >= 1 && day <= DateTime.DaysInMonth(year, month.Value) ? new DateOnly(year, month.Value, day) : null;
        }
        DateOnly? DateOf(Match m) => m.Groups["iso"].Success
            ? DateOnly.ParseExact(m.Groups["iso"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture)
            : Date(m.Groups["d1"].Success ? m.Groups["d1"].Value : m.Groups["d2"].Value,
                m.Groups["m1"].Success ? m.Groups["m1"].Value : m.Groups["m2"].Value,
                m.Groups["y"].Success ? m.Groups["y"].Value : null);

        var tomorrow = today.AddDays(1);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));

        Take(Since, m => DateOf(m) is { } d && d <= today ? DaysP(d, tomorrow, "since " + d.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)) : null);
        Take(OnDate, m => DateOf(m) is { } d ? DaysP(d, d.AddDays(1), "on " + d.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)) : null);
        Take(LastDaysRegex(), m => Words.Number(m.Groups["n"].Value) is { } n && n is >= 1 and <= 366
            ? DaysP(today.AddDays(1 - n), tomorrow, $"in the last {n} days") : null);
        Take(QuarterRegex(), m =>
        {
            var q = m.Groups["q"].Value[0] - '0';
            var year = m.Groups["y"].Success ? int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture)
                : (new DateOnly(today.Year, q * 3 - 2, 1) <= today ? today.Year : today.Year - 1);
            var first = new DateOnly(year, q * 3 - 2, 1);
            return DaysP(first, first.AddMonths(3), $"in Q{q} {year}");
        });
        Take(LastMonthRegex(), _ => DaysP(thisMonth.AddMonths(-1), thisMonth, "last month"));
        Take(ThisMonthRegex(), _ => DaysP(thisMonth, thisMonth.AddMonths(1), "this month"));
        Take(LastWeekRegex(), _ => DaysP(monday.AddDays(-7), monday, "last week"));
        Take(ThisWeekRegex(), _ => DaysP(monday, monday.AddDays(7), "this week"));
        Take(LastYearRegex(), _ => DaysP(new DateOnly(today.Year - 1, 1, 1), new DateOnly(today.Year, 1, 1), "last year"));
        Take(ThisYearRegex(), _ => DaysP(new DateOnly(today.Year, 1, 1), new DateOnly(today.Year + 1, 1, 1), "this year"));
        Take(YesterdayRegex(), _ => DaysP(today.AddDays(-1), today, "yesterday"));
        Take(TodayRegex(), _ => DaysP(today, tomorrow, "today"));
        Take(InMonth, m =>
        {
            var first = MonthStart(MonthNumber(m.Groups["m"].Value)!.Value,
                m.Groups["y"].Success ? int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture) : null);
            return DaysP(first, first.AddMonths(1), "in " + first.ToString("MMMM yyyy", CultureInfo.InvariantCulture));
        });

        var periods = found.OrderBy(f => f.Index).Select(f => f.Period).ToList();
        return (periods, text);
    }

    private const string DatePart = @"(?:(?<iso>\d{4}-\d{2}-\d{2})|(?<d1>\d{1,2})(?:st|nd|rd|th)?\s(?:of\s)?(?<m1>{M})|(?<m2>{M})\s(?<d2>\d{1,2})(?:st|nd|rd|th)?)(?:\s(?<y>20\d\d))?";

    private static readonly Regex Since = Build(@" (?:since|seit|from) (?:the )?" + DatePart + "(?= )");
    private static readonly Regex OnDate = Build(@" (?:on|am|at|for|as of|zum|per)? ?(?:the )?" + DatePart + "(?= )");
    private static readonly Regex InMonth = Build(@" (?:in|im|during|for|of|at the end of|end of|ende|or|and|oder|und|bis) (?<m>{M})(?: (?<y>20\d\d))?(?= )");

    private static Regex Build(string pattern) =>
        new(pattern.Replace("{M}", Month, StringComparison.Ordinal), RegexOptions.CultureInvariant);

    [GeneratedRegex(@" (?:in |over |during |for )?(?:the )?(?:last|past|previous|letzten|vergangenen) (?<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty|sixty|ninety) (?:days|tagen|tage)(?= )")]
    private static partial Regex LastDaysRegex();
    [GeneratedRegex(@" (?:in |im |during )?(?:the )?q(?<q>[1-4])(?: (?<y>20\d\d))?(?= )")]
    private static partial Regex QuarterRegex();
    [GeneratedRegex(@" (?:in |during |for |im |at the end of |end of )?(?:the )?(?:last|previous|letzten|vorigen|vergangenen|letzter) (?:month|monat)(?= )")]
    private static partial Regex LastMonthRegex();
    [GeneratedRegex(@" (?:in |during |for |so far )?(?:this|the current|diesen|diesem|dieser) (?:month|monat)(?: so far)?(?= )")]
    private static partial Regex ThisMonthRegex();
    [GeneratedRegex(@" (?:in |during |for )?(?:the )?(?:last|previous|letzte|letzten|vorige|vergangene) (?:week|woche)(?= )")]
    private static partial Regex LastWeekRegex();
    [GeneratedRegex(@" (?:in |during |for )?(?:this|diese|dieser) (?:week|woche)(?= )")]
    private static partial Regex ThisWeekRegex();
    [GeneratedRegex(@" (?:in |during |for )?(?:the )?(?:last|previous|letztes|letzten|vorigen) (?:year|jahr)(?= )")]
    private static partial Regex LastYearRegex();
    [GeneratedRegex(@" (?:in |during |for )?(?:this|dieses|diesem) (?:year|jahr)(?= )")]
    private static partial Regex ThisYearRegex();
    [GeneratedRegex(@" (?:yesterday|gestern)(?= )")]
    private static partial Regex YesterdayRegex();
    [GeneratedRegex(@" (?:today|heute)(?= )")]
    private static partial Regex TodayRegex();
}
