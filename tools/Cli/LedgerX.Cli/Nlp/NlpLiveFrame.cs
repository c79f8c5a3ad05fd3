using System.Text.Json;

namespace LedgerX.Cli.Nlp;

/// <summary>
/// What the ask verb reads of a live-feed item (docs/api/live.md, docs/api/nlp.md): its kind and, for the answer's
/// items, the question it belongs to, the piece's position and text (<c>nlp.answer_delta</c>) or the final status
/// (<c>nlp.answer_completed</c>). Anything else on the user's feed (money moving, fraud flags) parses to its kind only.
/// </summary>
internal sealed record NlpLiveFrame(string Kind, Guid? QuestionId, int? Index, string? Text, string? Status)
{
    public const string Ready = "live.ready";
    public const string AnswerStarted = "nlp.answer_started";
    public const string AnswerDelta = "nlp.answer_delta";
    public const string AnswerCompleted = "nlp.answer_completed";

    /// <summary>The SSE event the server ends a stream with (<c>event: close</c>, <c>{"reason": ...}</c>).</summary>
    public const string CloseEvent = "close";

    /// <summary>Null for anything that is not a JSON object with a string <c>kind</c>: a format change shows as a
    /// missing stream (the answer is still read with GET), never as a crash.</summary>
    public static NlpLiveFrame? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
            {
                return null;
            }
            var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
            string? Field(string name) =>
                data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            Guid? questionId = Guid.TryParse(Field("questionId"), out var q) ? q : null;
            int? index = int.TryParse(Field("index"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null;
            return new NlpLiveFrame(kind.GetString()!, questionId, index, Field("text"), Field("status"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The reason of an <c>event: close</c> frame.</summary>
    public static string CloseReason(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("reason", out var reason)
                ? reason.ToString()
                : json;
        }
        catch (JsonException)
        {
            return json;
        }
    }
}

/// <summary>
/// Puts the answer's pieces back in order: the broker may hand two pieces over out of order, so a piece is released
/// only when every piece before it has been; whatever is still held when the answer completes is released in index
/// order (a lost piece must not hold the rest back forever). One assembler per attempt: indexes start at 0 each time.
/// </summary>
internal sealed class DeltaAssembler
{
    private readonly SortedDictionary<int, string> _held = [];
    private int _next;

    /// <summary>Everything printed so far, in order.</summary>
    public string Text => _printed.ToString();

    private readonly System.Text.StringBuilder _printed = new();

    /// <summary>Takes one piece; returns the text that can be printed now (possibly empty).</summary>
    public string Accept(int index, string text)
    {
        if (index < _next || !_held.TryAdd(index, text))
        {
            return ""; // a duplicate delivery of a piece already taken
        }
        var ready = new System.Text.StringBuilder();
        while (_held.Remove(_next, out var piece))
        {
            ready.Append(piece);
            _next++;
        }
        _printed.Append(ready);
        return ready.ToString();
    }

    /// <summary>At completion: the pieces still held behind a gap, in index order.</summary>
    public string Flush()
    {
        var rest = string.Concat(_held.Values);
        _held.Clear();
        _printed.Append(rest);
        return rest;
    }
}
