using Dapr.DurableTask.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// Saving an instance and delivering events to its inbox: every save settles the acknowledgements waiting for it
/// (ADR 0028: an activity result waits for its turn's save), and a save whose outcome is unknown reloads the instance.
/// </summary>
public sealed partial class WorkflowEngine
{
    /// <summary>
    /// Saves under the instance's gate. Any failure leaves the cached record untrusted (the write may have committed
    /// with its acknowledgement lost): the instance is reloaded on its next entry, with its pending work re-armed,
    /// and an entry is scheduled so that happens even if nothing else touches the instance. A revision conflict
    /// surfaces as <c>Aborted</c>.
    /// </summary>
    private async Task SaveAsync(InstanceEntry instance, WorkflowRecord next, CancellationToken cancellationToken)
    {
        try
        {
            await _store.SaveAsync(next, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            CancelTurn(instance);
            instance.Loaded = false;
            instance.NeedsResume = true;
            string id = instance.Id;
            _timers.Schedule(_time.GetUtcNow() + FirstRetryDelay, () => MarkReadyAsync(id));
            var surfaced = ex is WorkflowConcurrencyException ? new RpcException(new Status(StatusCode.Aborted, ex.Message)) : ex;

            // The unsaved events are dropped with the record; their deliveries try again against what the store holds.
            SettleUnsaved(instance, surfaced);
            if (surfaced != ex)
            {
                throw surfaced;
            }

            throw;
        }

        // Every save writes the whole record the instance holds, so it carries whatever the inbox held unsaved.
        SettleUnsaved(instance, failure: null);
    }

    /// <summary>Completes (or fails) the acknowledgements waiting for the instance's next save. Call under the gate.</summary>
    private static void SettleUnsaved(InstanceEntry instance, Exception? failure)
    {
        if (instance.Unsaved is not { Count: > 0 } waiting)
        {
            return;
        }

        instance.Unsaved = null;
        foreach (var saved in waiting)
        {
            if (failure is null)
            {
                saved.TrySetResult();
            }
            else
            {
                saved.TrySetException(failure);
            }
        }
    }

    /// <summary>
    /// Saves what an instance's inbox holds unsaved because the turn meant to carry it did not come back within
    /// <see cref="ResultSaveWindow"/> (or was refused): the write the delivery would have made at once.
    /// </summary>
    private async Task SaveUnsavedAsync(string instanceId)
    {
        using var scope = await _table.EnterAsync(instanceId, _stopping.Token);
        var instance = scope.Instance;
        if (instance.Unsaved is not { Count: > 0 })
        {
            return;
        }

        if (instance.Record is not { } record)
        {
            SettleUnsaved(instance, failure: null);
            return;
        }

        try
        {
            await SaveAsync(instance, record, _stopping.Token);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            // The waiting deliveries were failed with this error and retry by themselves.
            _logger.LogWarning(ex, "could not save the events waiting in the inbox of workflow {InstanceId}; their deliveries try again", instanceId);
        }
    }

    private async Task<bool> TrySaveAsync(InstanceEntry instance, WorkflowRecord next)
    {
        try
        {
            await SaveAsync(instance, next, _stopping.Token);
            return true;
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            _logger.LogError(ex, "could not save the turn of workflow {InstanceId}; reloading it and dispatching the turn again", instance.Id);
            return false;
        }
    }

    /// <summary>
    /// Adds <paramref name="historyEvent"/> to the instance's inbox (when <paramref name="accept"/> agrees), queues a
    /// turn, and returns once the event is saved. With <paramref name="saveWithTurn"/> (an activity result from a worker
    /// that answers concurrently) the event is not written on its own: it waits in the in-memory inbox, unseen by
    /// readers (they see history and status, which it does not change), for the save of the turn it triggers (or of any
    /// other write of the instance), and this call returns then. One write per hand-over instead of two (issue 19);
    /// the acknowledgement still follows durability, so a crash before that save loses only an unacknowledged result
    /// (the activity is still pending in history and runs again, as when a worker dies mid-activity).
    /// <see cref="ResultSaveWindow"/> bounds the wait: then the event is saved on its own.
    /// </summary>
    private async Task<Delivery> DeliverAsync(string instanceId, HistoryEvent historyEvent, Func<WorkflowRecord, bool>? accept, CancellationToken cancellationToken, bool saveWithTurn = false)
    {
        try
        {
            return await DeliverOnceAsync(instanceId, historyEvent, accept, saveWithTurn, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Aborted)
        {
            // The record was reloaded from the store: try once more against the truth.
            return await DeliverOnceAsync(instanceId, historyEvent, accept, saveWithTurn: false, cancellationToken);
        }
    }

    private async Task<Delivery> DeliverOnceAsync(string instanceId, HistoryEvent historyEvent, Func<WorkflowRecord, bool>? accept, bool saveWithTurn, CancellationToken cancellationToken)
    {
        ArgumentGuard(instanceId);
        TaskCompletionSource saved;
        using (var scope = await _table.EnterAsync(instanceId, cancellationToken))
        {
            var instance = scope.Instance;
            if (instance.Record is not { } record)
            {
                return Delivery.NoInstance;
            }

            if (WorkflowStatuses.IsTerminal(record.State.WorkflowStatus) || (accept is not null && !accept(record)))
            {
                return Delivery.Ignored;
            }

            var next = record.Clone();
            next.Inbox.Add(historyEvent);

            // The turn is handed out before the save, so the worker's replay overlaps the write instead of following it.
            // Nothing becomes durable or visible early: a turn's result is applied and saved under the gate, after the
            // inbox it read (this save holds the gate; a deferred event is in the record the turn's save writes), and a
            // turn has no effects of its own until it is committed (its activities are scheduled only then). If the save
            // fails, SaveAsync cancels the turn (its result is refused) and the record is reloaded.
            instance.Record = next;
            MarkReady(instance);
            if (!saveWithTurn || instance.Turn is null)
            {
                // No turn will carry it (suspended, not started yet), or its worker waits for this call: save it now.
                next.State.LastUpdatedTimestamp = Now();
                await SaveAsync(instance, next, cancellationToken);
                return Delivery.Delivered;
            }

            saved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (instance.Unsaved ??= []).Add(saved);
            _timers.Schedule(_time.GetUtcNow() + ResultSaveWindow, () => SaveUnsavedAsync(instanceId));
        }

        await saved.Task.WaitAsync(cancellationToken);
        return Delivery.Delivered;
    }

    /// <summary>
    /// Saves a record that created the instance, handing out its first turn while the save is in flight, as
    /// <see cref="DeliverOnceAsync"/> does for an event. Call under the gate.
    /// </summary>
    private async Task SaveDispatchingAsync(InstanceEntry instance, WorkflowRecord next, CancellationToken cancellationToken)
    {
        instance.Record = next;
        MarkReady(instance);
        await SaveAsync(instance, next, cancellationToken);
    }
}
