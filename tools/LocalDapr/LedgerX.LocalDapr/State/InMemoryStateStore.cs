namespace LedgerX.LocalDapr.State;

/// <summary><c>state.in-memory</c>: process-local, uuid etags, TTL checked on read (as components-contrib's in-memory store).</summary>
public sealed class InMemoryStateStore : IStateStore
{
    private readonly Dictionary<string, StateEntry> _items = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    public InMemoryStateStore(TimeProvider time) => _time = time;

    public Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(Live(key));
        }
    }

    public Task SetAsync(StateWrite write, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Apply(new StateOperation(write.Key, write, null));
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, string? etag, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Apply(new StateOperation(key, null, etag));
        }

        return Task.CompletedTask;
    }

    public Task ExecuteAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Validate every etag first so a failing operation leaves nothing applied.
            foreach (var op in operations)
            {
                Check(op.Key, op.IsDelete ? op.DeleteETag : op.Write!.ETag);
            }

            foreach (var op in operations)
            {
                Apply(op);
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Apply(StateOperation op)
    {
        if (op.IsDelete)
        {
            Check(op.Key, op.DeleteETag);
            _items.Remove(op.Key);
            return;
        }

        var write = op.Write!;
        Check(write.Key, write.ETag);
        DateTimeOffset? expires = write.Ttl is { } ttl ? _time.GetUtcNow() + ttl : null;
        _items[write.Key] = new StateEntry(write.Value, Guid.NewGuid().ToString(), expires);
    }

    private void Check(string key, string? etag)
    {
        if (string.IsNullOrEmpty(etag))
        {
            return;
        }

        if (!Guid.TryParse(etag, out _))
        {
            throw new StateETagException(ETagFailure.Invalid, $"invalid etag value: {etag}");
        }

        if (Live(key) is not { } current || current.ETag != etag)
        {
            throw new StateETagException(ETagFailure.Mismatch, "etag mismatch");
        }
    }

    private StateEntry? Live(string key)
    {
        if (!_items.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.ExpiresAt is { } at && at <= _time.GetUtcNow())
        {
            _items.Remove(key);
            return null;
        }

        return entry;
    }
}
