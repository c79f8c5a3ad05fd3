using System.Globalization;
using System.Text.RegularExpressions;

namespace LedgerX.Cli.Common;

/// <summary>Parses human durations as load tools write them: "30s", "2m", "1m30s", "500ms", "1h"; a bare number is
/// seconds. Anything else is refused with the accepted forms named, so a typo never silently means zero.</summary>
internal static partial class DurationParser
{
    public const string AcceptedForms = "a number with a unit, e.g. 30s, 2m, 1m30s, 500ms (a bare number means seconds)";

    public static bool TryParse(string? text, out TimeSpan duration, out string? error)
    {
        duration = TimeSpan.Zero;
        error = null;
        var input = text?.Trim().ToLowerInvariant() ?? "";
        if (input.Length == 0)
        {
            error = $"a duration is required: {AcceptedForms}";
            return false;
        }
        if (double.TryParse(input, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return Check(TimeSpan.FromSeconds(seconds), text!, out duration, out error);
        }

        var parts = Part().Matches(input);
        if (parts.Count == 0 || string.Concat(parts.Select(m => m.Value)) != input)
        {
            error = $"'{text}' is not a duration: {AcceptedForms}";
            return false;
        }
        var total = TimeSpan.Zero;
        foreach (Match part in parts)
        {
            var value = double.Parse(part.Groups["value"].Value, CultureInfo.InvariantCulture);
            total += part.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => throw new InvalidOperationException("The pattern admits only ms, s, m and h."),
            };
        }
        return Check(total, text!, out duration, out error);
    }

    private static bool Check(TimeSpan value, string text, out TimeSpan duration, out string? error)
    {
        duration = value;
        error = value < TimeSpan.Zero || value > TimeSpan.FromHours(24)
            ? $"'{text}' is out of range: durations are 0 to 24h"
            : null;
        return error is null;
    }

    [GeneratedRegex(@"(?<value>\d+(\.\d+)?)(?<unit>ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
