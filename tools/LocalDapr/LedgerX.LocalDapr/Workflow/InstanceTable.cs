namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// One instance as the engine holds it in memory: its gate, its cached record and its turn in flight. Every field
/// is read and written under <see cref="Gate"/>, except <see cref="Users"/> (under the table's lock).
/// </summary>
internal sealed class InstanceEntry(string id)
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>False until the record was read from the store (or after a save whose outcome is unknown).</summary>
    public bool Loaded { get; set; }

    /// <summary>
    /// Set when a save failed in a way that may still have committed (connection lost mid-write, revision
    /// conflict): the next entry reloads the record and re-arms the pending work of whatever the store holds,
    /// since the effects of a turn that did commit were never run.
    /// </summary>
    public bool NeedsResume { get; set; }

    public WorkflowRecord? Record { get; set; }

    /// <summary>
    /// Acknowledgements of events that are in <see cref="Record"/>'s inbox but not saved yet (see
    /// <c>WorkflowEngine.DeliverAsync</c>): completed by the instance's next save, failed if that save fails.
    /// </summary>
    public List<TaskCompletionSource>? Unsaved { get; set; }

    /// <summary>The turn queued or handed out for this instance; at most one, so an instance never runs twice at once.</summary>
    public TurnDispatch? Turn { get; set; }

    /// <summary>A finished instance may leave memory after this time (the store still has it).</summary>
    public DateTimeOffset? EvictAfter { get; set; }

    /// <summary>Callers between <see cref="InstanceTable.Pin"/> and <see cref="InstanceTable.Unpin"/>; guarded by the table's lock.</summary>
    public int Users { get; set; }

    /// <summary>Completes at the next change of status (waiters re-read the record then).</summary>
    public Task Changed => _changed.Task;

    public void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>
/// The instances in memory. An entry lives while someone uses it (pinned), while it has work (a turn, an unfinished
/// record) or, once finished, for the retention time; then it is removed entirely (gate included), so the table holds
/// what is running, not every id ever asked about. Use <see cref="EnterAsync"/> to work on an instance.
/// </summary>
internal sealed class InstanceTable(IWorkflowStore store, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, InstanceEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>Entries in memory now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Called under an instance's gate after its record was reloaded with <see cref="InstanceEntry.NeedsResume"/> set.</summary>
    public Action<InstanceEntry>? OnReloaded { get; set; }

    /// <summary>Keeps the entry in memory until <see cref="Unpin"/>; does not take the gate.</summary>
    public InstanceEntry Pin(string instanceId)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(instanceId, out var instance))
            {
                instance = new InstanceEntry(instanceId);
                _entries[instanceId] = instance;
            }

            instance.Users++;
            return instance;
        }
    }

    public void Unpin(InstanceEntry instance)
    {
        lock (_lock)
        {
            instance.Users--;
            if (instance.Users == 0 && IsIdle(instance) && _entries.TryGetValue(instance.Id, out var current) && current == instance)
            {
                _entries.Remove(instance.Id);
            }
        }
    }

    /// <summary>The entry if it is in memory (no pin, no gate): for lookups that must not load anything.</summary>
    public bool TryPeek(string instanceId, out InstanceEntry instance)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(instanceId, out instance!);
        }
    }

    /// <summary>Pins the instance and takes its gate with its record loaded. Dispose the scope to release both.</summary>
    public async Task<InstanceScope> EnterAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = Pin(instanceId);
        try
        {
            await instance.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Unpin(instance);
            throw;
        }

        var scope = new InstanceScope(this, instance);
        try
        {
            await EnsureLoadedAsync(instance, cancellationToken);
        }
        catch
        {
            scope.Dispose();
            throw;
        }

        return scope;
    }

    /// <summary>Removes a finished instance whose retention ended, unless someone is using it (then the last one out does).</summary>
    public void EvictIfIdle(string instanceId)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(instanceId, out var instance) && instance.Users == 0 && IsIdle(instance))
            {
                _entries.Remove(instanceId);
            }
        }
    }

    private async Task EnsureLoadedAsync(InstanceEntry instance, CancellationToken cancellationToken)
    {
        if (instance.Loaded)
        {
            return;
        }

        instance.Record = await store.LoadAsync(instance.Id, cancellationToken);
        instance.Loaded = true;
        if (instance.NeedsResume)
        {
            instance.NeedsResume = false;
            OnReloaded?.Invoke(instance);
        }
    }

    // Read with no gate held: Users == 0 means nobody holds or waits for the gate, so the fields are at rest.
    private bool IsIdle(InstanceEntry instance)
    {
        if (instance.Turn is not null || instance.NeedsResume || instance.Unsaved is { Count: > 0 })
        {
            return false;
        }

        if (instance.Record is not { } record)
        {
            // Never existed, purged, or not loaded: nothing to keep.
            return true;
        }

        return WorkflowStatuses.IsTerminal(record.State.WorkflowStatus) && instance.EvictAfter is { } after && after <= time.GetUtcNow();
    }
}

/// <summary>An instance entered through <see cref="InstanceTable.EnterAsync"/>: its gate is held until disposed.</summary>
internal sealed class InstanceScope(InstanceTable table, InstanceEntry instance) : IDisposable
{
    private int _disposed;

    public InstanceEntry Instance { get; } = instance;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Instance.Gate.Release();
            table.Unpin(Instance);
        }
    }
}
