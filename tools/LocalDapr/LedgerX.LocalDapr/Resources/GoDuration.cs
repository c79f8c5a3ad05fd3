using System.Globalization;
using System.Text.RegularExpressions;

namespace LedgerX.LocalDapr.Resources;

/// <summary>Parses Go <c>time.ParseDuration</c> strings ("1m30s", "250ms"), the format of every Dapr duration field.</summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<u>ns|us|µs|ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Segment();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string rest = text.Trim();
        if (rest == "0")
        {
            return true;
        }

        double totalMs = 0;
        while (rest.Length > 0)
        {
            var match = Segment().Match(rest);
            if (!match.Success)
            {
                return false;
            }

            double n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            totalMs += match.Groups["u"].Value switch
            {
                "ns" => n / 1_000_000,
                "us" or "µs" => n / 1_000,
                "ms" => n,
                "s" => n * 1_000,
                "m" => n * 60_000,
                _ => n * 3_600_000,
            };
            rest = rest[match.Length..];
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>Redis pub/sub durations accept a Go duration or bare milliseconds (dapr/kit metadata decoding, as components-contrib's redis settings use it).</summary>
    public static bool TryParseOrMilliseconds(string? text, out TimeSpan value)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms))
        {
            value = TimeSpan.FromMilliseconds(ms);
            return true;
        }

        return TryParse(text, out value);
    }
}
