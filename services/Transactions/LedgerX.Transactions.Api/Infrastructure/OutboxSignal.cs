namespace LedgerX.Transactions.Api.Infrastructure;

/// <summary>Wakes the outbox relay right after a commit, so events go out within milliseconds instead of at the
/// next poll. Notifications coalesce: many commits while the relay is busy cause one more pass, not many.</summary>
public sealed class OutboxSignal
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
