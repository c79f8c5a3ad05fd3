using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace LedgerX.Auth.Audit.Apis;

/// <summary>
/// The query API's opaque page cursor: the direction and the last sequence served, base64url-encoded so clients pass it
/// back rather than build it (the encoding may change without breaking them).
/// </summary>
internal static class AuditCursor
{
    private const string Version = "v1";

    public static string Encode(bool descending, long lastSequence) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Version}:{(descending ? "desc" : "asc")}:{lastSequence}")));

    /// <summary>The cursor's direction and last sequence, or null when it is not one this API issued.</summary>
    public static (bool Descending, long LastSequence)? Decode(string cursor)
    {
        if (cursor.Length > 64)
        {
            return null;
        }
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return null;
        }
        var parts = Encoding.ASCII.GetString(bytes).Split(':');
        return parts is [Version, "asc" or "desc", var sequence] && long.TryParse(sequence, NumberStyles.None, CultureInfo.InvariantCulture, out var last) && last >= 0
            ? (parts[1] == "desc", last)
            : null;
    }
}
