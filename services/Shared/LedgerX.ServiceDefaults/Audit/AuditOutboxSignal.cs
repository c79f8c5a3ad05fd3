using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LedgerX.ServiceDefaults.Audit;

/// <summary>Wakes the audit outbox relay right after an audit event commits, so it goes out within milliseconds
/// instead of at the next poll. Notifications coalesce: many commits while the relay is busy cause one more pass.</summary>
public sealed class AuditOutboxSignal
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

/// <summary>
/// Notifies <see cref="AuditOutboxSignal"/> when a context's audit events are committed: at SaveChanges when no
/// transaction is open (SaveChanges commits its own), else when the caller's transaction commits. Waking the relay
/// before the commit would find nothing and leave the event to the next poll.
/// </summary>
internal sealed class AuditOutboxCommitWatch(AuditOutboxSignal signal)
{
    /// <summary>Contexts whose open transaction holds audit events not yet committed.</summary>
    private readonly ConditionalWeakTable<DbContext, object> _pending = [];

    public void Saving(DbContext? context)
    {
        if (context is not null && context.ChangeTracker.Entries<AuditOutboxRow>().Any(e => e.State == EntityState.Added))
        {
            _pending.AddOrUpdate(context, this);
        }
    }

    public void Saved(DbContext? context)
    {
        if (context is not null && context.Database.CurrentTransaction is null && _pending.Remove(context))
        {
            signal.Notify();
        }
    }

    public void Committed(DbContext? context)
    {
        if (context is not null && _pending.Remove(context))
        {
            signal.Notify();
        }
    }

    public void Abandoned(DbContext? context)
    {
        if (context is not null)
        {
            _pending.Remove(context);
        }
    }
}

internal sealed class AuditOutboxSaveInterceptor(AuditOutboxCommitWatch watch) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        watch.Saving(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        watch.Saving(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        watch.Saved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        watch.Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => watch.Abandoned(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        watch.Abandoned(eventData.Context);
        return Task.CompletedTask;
    }
}

internal sealed class AuditOutboxTransactionInterceptor(AuditOutboxCommitWatch watch) : DbTransactionInterceptor
{
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => watch.Committed(eventData.Context);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        watch.Committed(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => watch.Abandoned(eventData.Context);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        watch.Abandoned(eventData.Context);
        return Task.CompletedTask;
    }
}
