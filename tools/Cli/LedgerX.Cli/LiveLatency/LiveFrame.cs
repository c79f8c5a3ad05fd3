using System.Text.Json;

namespace LedgerX.Cli.LiveLatency;

/// <summary>What the harness needs of one live-feed frame (docs/api/live.md): its kind and the journal entry it is
/// about (<c>data.entryId</c>). Control frames (<c>live.ready</c>, ...) have no entry.</summary>
internal readonly record struct LiveFrame(string? Kind, Guid? EntryId)
{
    public const string Ready = "live.ready";

    /// <summary>Parses a text frame; anything that is not a JSON object with a string <c>kind</c> is null, so a frame
    /// format change shows up as unmatched transfers, never as a crash halfway through a run.</summary>
    public static LiveFrame? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
            {
                return null;
            }
            Guid? entryId = null;
            if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("entryId", out var entry) && entry.ValueKind == JsonValueKind.String
                && Guid.TryParse(entry.GetString(), out var parsed))
            {
                entryId = parsed;
            }
            return new LiveFrame(kind.GetString(), entryId);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
