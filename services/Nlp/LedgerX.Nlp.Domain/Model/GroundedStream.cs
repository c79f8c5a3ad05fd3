namespace LedgerX.Nlp.Domain.Model;

/// <summary>Passes a model's text to the asker as it is produced, but only what the guard allows: nothing before a
/// tool has returned data (a model that reads nothing has nothing to say), and a number only once it is complete and
/// found in the tool results. At the first ungrounded number the stream stops for good; the stored answer then carries
/// the composer's text, so what was streamed is always a grounded prefix, never a wrong figure.</summary>
public sealed class GroundedStream(Func<bool> hasData, Func<IReadOnlySet<string>> allowed, Func<string, CancellationToken, ValueTask> sink)
{
    private readonly System.Text.StringBuilder pending = new();

    /// <summary>The first numbers that failed the guard (empty while the stream is grounded).</summary>
    public IReadOnlyList<string> Ungrounded { get; private set; } = [];

    public bool Stopped => Ungrounded.Count > 0;

    public async ValueTask WriteAsync(string text, CancellationToken ct)
    {
        if (Stopped || text.Length == 0) return;
        pending.Append(text);
        if (!hasData()) return;
        // Hold back a number that the next piece may continue ("1,2" + "34.56 EUR").
        var end = pending.Length;
        while (end > 0 && NumberGuard.IsNumberChar(pending[end - 1])) end--;
        await FlushAsync(end, ct);
    }

    /// <summary>The model has finished: what is held back is checked and written.</summary>
    public async ValueTask CompleteAsync(CancellationToken ct)
    {
        if (Stopped || !hasData()) return;
        await FlushAsync(pending.Length, ct);
    }

    private async ValueTask FlushAsync(int end, CancellationToken ct)
    {
        if (end == 0) return;
        var piece = pending.ToString(0, end);
        var ungrounded = NumberGuard.Ungrounded(piece, allowed());
        if (ungrounded.Count > 0)
        {
            Ungrounded = ungrounded;
            pending.Clear();
            return;
        }
        pending.Remove(0, end);
        await sink(piece, ct);
    }
}
