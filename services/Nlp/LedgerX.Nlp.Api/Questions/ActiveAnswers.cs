using System.Collections.Concurrent;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>The questions this replica is answering now, so a cancel arriving here stops one at once (a cancel arriving
/// at another replica is seen by the worker's poll of the row).</summary>
public sealed class ActiveAnswers
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _active = new();

    public int Count => _active.Count;

    public void Add(Guid id, CancellationTokenSource cancel) => _active[id] = cancel;

    public void Remove(Guid id) => _active.TryRemove(id, out _);

    public void Cancel(Guid id)
    {
        if (_active.TryGetValue(id, out var cancel))
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The answer ended meanwhile.
            }
        }
    }
}
