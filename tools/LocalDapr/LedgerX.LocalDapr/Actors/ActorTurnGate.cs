namespace LedgerX.LocalDapr.Actors;

/// <summary>Thrown when a reentrant chain goes deeper than the app's <c>maxStackDepth</c>.</summary>
public sealed class ActorStackDepthException : Exception
{
    public ActorStackDepthException()
        : base("maximum stack depth exceeded")
    {
    }

    public ActorStackDepthException(string message)
        : base(message)
    {
    }

    public ActorStackDepthException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Turn-based concurrency for one actor id (RT <c>pkg/actors/internal/locker</c>): one turn at a time, granted in
/// arrival order. A call carrying the reentrancy id of the turn in progress enters at once (reentrancy), up to
/// <c>maxStackDepth</c> nested entries.
/// </summary>
internal sealed class ActorTurnGate
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private string? _holder;
    private int _depth;

    /// <summary>True while a turn is held or queued; deactivation only takes idle actors.</summary>
    public bool Busy
    {
        get
        {
            lock (_lock)
            {
                return _holder is not null || _waiters.Count > 0;
            }
        }
    }

    /// <param name="turnId">The reentrancy id (reentrant types) or a fresh id per call (the others).</param>
    /// <param name="reentrant">Whether a call with the holder's id may enter the turn in progress.</param>
    public Task EnterAsync(string turnId, bool reentrant, int maxStackDepth, CancellationToken cancellationToken)
    {
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            if (_holder is null && _waiters.Count == 0)
            {
                _holder = turnId;
                _depth = 1;
                return Task.CompletedTask;
            }

            if (reentrant && _holder == turnId)
            {
                if (_depth >= maxStackDepth)
                {
                    throw new ActorStackDepthException();
                }

                _depth++;
                return Task.CompletedTask;
            }

            node = _waiters.AddLast(new Waiter(turnId, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        }

        return WaitAsync(node, cancellationToken);
    }

    /// <summary>Takes the turn only if nobody holds or waits for it (the idle scan).</summary>
    public bool TryEnterIdle(string turnId)
    {
        lock (_lock)
        {
            if (_holder is not null || _waiters.Count > 0)
            {
                return false;
            }

            _holder = turnId;
            _depth = 1;
            return true;
        }
    }

    public void Exit()
    {
        lock (_lock)
        {
            if (_holder is null)
            {
                throw new InvalidOperationException("actor turn released twice");
            }

            if (--_depth > 0)
            {
                return;
            }

            _holder = null;
            if (_waiters.First is { } next)
            {
                _waiters.RemoveFirst();
                _holder = next.Value.TurnId;
                _depth = 1;
                next.Value.Granted.TrySetResult();
            }
        }
    }

    private async Task WaitAsync(LinkedListNode<Waiter> node, CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is not null)
                {
                    _waiters.Remove(node);
                    node.Value.Granted.TrySetCanceled(cancellationToken);
                }
            }
        });

        await node.Value.Granted.Task;
    }

    private sealed record Waiter(string TurnId, TaskCompletionSource Granted);
}
