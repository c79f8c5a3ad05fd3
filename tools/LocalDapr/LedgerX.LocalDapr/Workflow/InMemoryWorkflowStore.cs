using Dapr.DurableTask.Protobuf;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// The store for sidecars without a PostgreSQL actor state store. Keeps deep copies, so the engine's in-memory
/// objects never alias what is "persisted"; an instance of this class can outlive an engine to simulate a
/// sidecar restart in tests.
/// </summary>
public sealed class InMemoryWorkflowStore : IWorkflowStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, WorkflowRecord> _rows = new(StringComparer.Ordinal);

    public Task<WorkflowRecord?> LoadAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.TryGetValue(instanceId, out var row) ? row.Clone() : null);
        }
    }

    public Task SaveAsync(WorkflowRecord record, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            long stored = _rows.TryGetValue(record.InstanceId, out var row) ? row.Revision : 0;
            if (stored != record.Revision)
            {
                throw new WorkflowConcurrencyException($"instance {record.InstanceId} is at revision {stored}, not {record.Revision}");
            }

            record.Revision++;
            _rows[record.InstanceId] = record.Clone();
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.Remove(instanceId));
        }
    }

    public Task<IReadOnlyList<string>> ListIdsAsync(string? after, int pageSize, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<string> ids = _rows.Keys.Where(k => after is null || string.CompareOrdinal(k, after) > 0).Take(pageSize).ToList();
            return Task.FromResult(ids);
        }
    }

    public Task<IReadOnlyList<WorkflowRecord>> LoadActiveAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<WorkflowRecord> active = _rows.Values.Where(r => !WorkflowStatuses.IsTerminal(r.State.WorkflowStatus)).Select(r => r.Clone()).ToList();
            return Task.FromResult(active);
        }
    }

    public Task<IReadOnlyList<string>> FindAsync(DateTimeOffset? createdFrom, DateTimeOffset? createdTo, IReadOnlyCollection<OrchestrationStatus> statuses, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<string> ids = _rows.Values
                .Where(r => statuses.Count == 0 || statuses.Contains(r.State.WorkflowStatus))
                .Where(r => createdFrom is null || r.State.CreatedTimestamp.ToDateTimeOffset() >= createdFrom)
                .Where(r => createdTo is null || r.State.CreatedTimestamp.ToDateTimeOffset() < createdTo)
                .Select(r => r.InstanceId)
                .ToList();
            return Task.FromResult(ids);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal static class WorkflowStatuses
{
    public static bool IsTerminal(OrchestrationStatus status) =>
        status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;
}
