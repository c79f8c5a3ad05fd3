using System.Globalization;
using System.Text.Json;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>The canonical text of stored and logged values, so that a row and an event compare equal exactly when they
/// say the same thing (and the report shows both in one form).</summary>
internal static class StoredValues
{
    public static string Of(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string? Of(Guid? value) => value?.ToString("D");

    /// <summary>PostgreSQL keeps microseconds; the ledger's clock gives nothing finer (MicrosecondClock), so
    /// microseconds in UTC is the full precision of both sides.</summary>
    public static string? Of(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Metadata as a JSON object with its keys in ordinal order: jsonb reorders keys, so only the content counts.</summary>
    public static string Of(IReadOnlyDictionary<string, string> metadata) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(metadata.ToDictionary(), StringComparer.Ordinal));

    /// <summary>Stored jsonb metadata in the same form; text that is not a string-to-string object is shown as stored.</summary>
    public static string Metadata(string stored)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(stored) is { } parsed ? Of(parsed) : stored;
        }
        catch (JsonException)
        {
            return stored;
        }
    }

    public static string Lower<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
