using Dapr.DurableTask.Protobuf;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// Everything durable about one workflow instance. <see cref="History"/> is what the orchestrator has already
/// seen (replayed as <c>pastEvents</c>); <see cref="Inbox"/> holds events that arrived since (activity results,
/// fired timers, raised events, child results), delivered as <c>newEvents</c> on the next turn. Pending work
/// (activities, timers, child workflows) is not stored separately: it is derived from the history on recovery
/// (a <c>TaskScheduled</c> with no result is an activity still to run), so history and pending work can never
/// disagree.
/// </summary>
public sealed class WorkflowRecord
{
    public required string InstanceId { get; init; }

    /// <summary>Status, name, input/output, custom status, failure details and timestamps, as the client reads them.</summary>
    public required WorkflowState State { get; set; }

    public List<HistoryEvent> History { get; set; } = [];

    public List<HistoryEvent> Inbox { get; set; } = [];

    /// <summary>Optimistic-concurrency revision: 0 before the first save; every save increments it.</summary>
    public long Revision { get; set; }

    public WorkflowRecord Clone() => new()
    {
        InstanceId = InstanceId,
        State = State.Clone(),
        History = History.Select(e => e.Clone()).ToList(),
        Inbox = Inbox.Select(e => e.Clone()).ToList(),
        Revision = Revision,
    };
}

/// <summary>A save that lost a race: another writer changed the instance since it was loaded.</summary>
public sealed class WorkflowConcurrencyException : Exception
{
    public WorkflowConcurrencyException()
    {
    }

    public WorkflowConcurrencyException(string message)
        : base(message)
    {
    }

    public WorkflowConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Persistence for the workflow engine. One instance is one row written as a whole per turn, conditioned on
/// <see cref="WorkflowRecord.Revision"/>, so a turn commits atomically (history, inbox and status together).
/// </summary>
public interface IWorkflowStore : IAsyncDisposable
{
    Task<WorkflowRecord?> LoadAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts (when <see cref="WorkflowRecord.Revision"/> is 0) or updates the row whose stored revision equals
    /// the record's, then increments the record's revision. Throws <see cref="WorkflowConcurrencyException"/> otherwise.
    /// </summary>
    Task SaveAsync(WorkflowRecord record, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Instance ids in ordinal order, strictly after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<string>> ListIdsAsync(string? after, int pageSize, CancellationToken cancellationToken);

    /// <summary>Instances that are not yet completed, failed or terminated: what recovery must resume.</summary>
    Task<IReadOnlyList<WorkflowRecord>> LoadActiveAsync(CancellationToken cancellationToken);

    /// <summary>Ids of instances created in [from, to) whose status is one of <paramref name="statuses"/> (all when empty).</summary>
    Task<IReadOnlyList<string>> FindAsync(DateTimeOffset? createdFrom, DateTimeOffset? createdTo, IReadOnlyCollection<OrchestrationStatus> statuses, CancellationToken cancellationToken);
}
