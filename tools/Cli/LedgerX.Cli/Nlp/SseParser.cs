using System.Text;

namespace LedgerX.Cli.Nlp;

/// <summary>One Server-Sent Event: its type (<c>message</c> unless an <c>event:</c> line named one), its data lines
/// joined by newlines, and the last <c>id:</c> seen on the stream.</summary>
internal sealed record SseEvent(string Type, string Data, string? LastEventId);

/// <summary>
/// The event-stream grammar of the HTML standard (§9.2.6), fed one line at a time as they arrive: <c>field: value</c>
/// (one space after the colon dropped), comments (<c>: ping</c>) ignored, <c>data:</c> lines accumulated, a blank line
/// dispatches the event. Pure, so the ask verb's view of the live feed is tested without a server.
/// </summary>
internal sealed class SseParser
{
    public const string DefaultType = "message";

    private readonly StringBuilder _data = new();
    private string? _type;
    private bool _hasData;

    public string? LastEventId { get; private set; }

    /// <summary>Takes one line (without its line ending); returns the event a blank line completes, else null.</summary>
    public SseEvent? Line(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length == 0)
        {
            return Dispatch();
        }
        if (line[0] == ':')
        {
            return null;
        }
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var field = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? "" : line[(colon + 1)..];
        if (value.StartsWith(' '))
        {
            value = value[1..];
        }
        switch (field)
        {
            case "data":
                if (_hasData)
                {
                    _data.Append('\n');
                }
                _data.Append(value);
                _hasData = true;
                break;
            case "event":
                _type = value;
                break;
            case "id" when !value.Contains('\0', StringComparison.Ordinal):
                LastEventId = value;
                break;
            default:
                // retry: and unknown fields change nothing a reader of one stream needs.
                break;
        }
        return null;
    }

    private SseEvent? Dispatch()
    {
        // An event without data is no event (the standard resets the type and drops it).
        var dispatched = _hasData ? new SseEvent(string.IsNullOrEmpty(_type) ? DefaultType : _type, _data.ToString(), LastEventId) : null;
        _data.Clear();
        _hasData = false;
        _type = null;
        return dispatched;
    }
}
