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

    public Task DeleteAsync(string key, string? etag, bool firstWrite, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Apply(new StateOperation(key, null, etag, firstWrite));
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
                if (op.IsDelete)
                {
                    Check(op.Key, op.DeleteETag, op.DeleteFirstWrite);
                }
                else
                {
                    Check(op.Key, op.Write!.ETag, op.Write.FirstWrite);
                }
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
            Check(op.Key, op.DeleteETag, op.DeleteFirstWrite);
            _items.Remove(op.Key);
            return;
        }

        var write = op.Write!;
        Check(write.Key, write.ETag, write.FirstWrite);
        DateTimeOffset? expires = write.Ttl is { } ttl ? _time.GetUtcNow() + ttl : null;
        _items[write.Key] = new StateEntry(write.Value, Guid.NewGuid().ToString(), expires);
    }

    /// <summary>components-contrib's <c>doValidateEtag</c>: etags are compared as strings (a malformed one simply does not match).</summary>
    private void Check(string key, string? etag, bool firstWrite)
    {
        if (string.IsNullOrEmpty(etag))
        {
            // first-write without an etag: only a key that does not exist (or has expired) may be written or deleted.
            if (firstWrite && Live(key) is not null)
            {
                throw new StateETagException("item already exists and no etag was passed");
            }

            return;
        }

        if (Live(key) is not { } current)
        {
            throw new StateETagException($"state not exist or expired for key={key}");
        }

        if (current.ETag != etag)
        {
            throw new StateETagException($"state etag not match for key={key}: current={current.ETag}, expect={etag}");
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
