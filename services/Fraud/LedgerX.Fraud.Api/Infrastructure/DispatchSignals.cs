namespace LedgerX.Fraud.Api.Infrastructure;

/// <summary>Wakes the outbox relay and the policy worker right after alerts commit, instead of at their next poll.
/// Notifications coalesce.</summary>
public sealed class DispatchSignals
{
    private readonly SemaphoreSlim _outbox = new(0, 1);
    private readonly SemaphoreSlim _actions = new(0, 1);

    public void Notify()
    {
        Release(_outbox);
        Release(_actions);
    }

    public Task<bool> WaitForOutboxAsync(TimeSpan timeout, CancellationToken ct) => _outbox.WaitAsync(timeout, ct);

    public Task<bool> WaitForActionsAsync(TimeSpan timeout, CancellationToken ct) => _actions.WaitAsync(timeout, ct);

    private static void Release(SemaphoreSlim signal)
    {
        if (signal.CurrentCount == 0)
        {
            try { signal.Release(); } catch (SemaphoreFullException) { /* already signalled */ }
        }
    }
}
