namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>Wakes the dispatcher right after a delivery is created or made due, instead of at its next poll.
/// Notifications coalesce; other replicas find the work at their poll.</summary>
public sealed class WebhookDispatchSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); } catch (SemaphoreFullException) { /* already signalled */ }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
