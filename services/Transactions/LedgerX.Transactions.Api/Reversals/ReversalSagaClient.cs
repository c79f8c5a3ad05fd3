using Dapr.Workflow;
using LedgerX.Transactions.Api.Apis;
using Microsoft.Extensions.Options;

namespace LedgerX.Transactions.Api.Reversals;

/// <summary>What the sidecar's workflow engine says about a reversal's saga.</summary>
public enum SagaInstance
{
    /// <summary>The engine could not be asked (the sidecar away, or too slow).</summary>
    Unknown,
    Missing,
    Live,
    Ended,
}

/// <summary>
/// Every call the service makes to the workflow engine about reversal sagas, each bounded by
/// <see cref="ReversalOptions.SidecarCallTimeoutMs"/>: with the sidecar down, the SDK's calls would otherwise wait for
/// it for as long as the caller lets them (issue 11: POST /reversals hung 30 to 300 s). Failures are answered as
/// false / <see cref="SagaInstance.Unknown"/>, never thrown: the reversal or the decision is already committed, and
/// the <see cref="ReversalSweeper"/> finishes what could not be done now.
/// </summary>
public sealed class ReversalSagaClient(DaprWorkflowClient workflows, IOptions<ReversalOptions> options, ILogger<ReversalSagaClient> logger)
{
    private readonly ReversalOptions _options = options.Value;

    /// <summary>Starts the reversal's saga (instance id = reversal id) unless it exists; true if it runs now. With
    /// <paramref name="isNew"/> (the reversal was created just now, so no saga can have its id) the engine is not asked
    /// first: one round trip less on every reversal request. Otherwise the check matters, because the engine lets a
    /// finished instance's id be reused, and scheduling over a finished saga would run it again.</summary>
    public Task<bool> TryStartAsync(ReversalResponse reversal, CancellationToken ct, bool isNew = false) => BoundedAsync($"start the saga of reversal {reversal.Id}", async token =>
    {
        var instanceId = reversal.Id.ToString();
        if (!isNew && await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: false, token) is { Exists: true })
        {
            return true;
        }
        await workflows.ScheduleNewWorkflowAsync(ReversalWorkflow.Name, instanceId, ReversalInput.From(reversal, _options), startTime: null, token);
        return true;
    }, ct);

    public Task<bool> TryDeliverDecisionAsync(Guid reversalId, ApprovalDecision decision, CancellationToken ct) =>
        BoundedAsync($"deliver the decision on reversal {reversalId}", async token =>
        {
            await workflows.RaiseEventAsync(reversalId.ToString(), ReversalWorkflow.ApprovalEvent, decision, token);
            return true;
        }, ct);

    public async Task<(SagaInstance Instance, DateTimeOffset? LastUpdatedAt)> InspectAsync(Guid reversalId, CancellationToken ct)
    {
        (SagaInstance, DateTimeOffset?) result = (SagaInstance.Unknown, null);
        await BoundedAsync($"inspect the saga of reversal {reversalId}", async token =>
        {
            var state = await workflows.GetWorkflowStateAsync(reversalId.ToString(), getInputsAndOutputs: false, token);
            result = state is not { Exists: true } ? (SagaInstance.Missing, null)
                : state.RuntimeStatus is WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed or WorkflowRuntimeStatus.Terminated
                    or WorkflowRuntimeStatus.Canceled ? (SagaInstance.Ended, state.LastUpdatedAt)
                : (SagaInstance.Live, state.LastUpdatedAt);
            return true;
        }, ct);
        return result;
    }

    /// <summary>Runs a saga again from its start (all its ledger writes replay under their keys): an ended instance is
    /// purged first, so the same instance id can be scheduled.</summary>
    public Task<bool> TryRedriveAsync(ReversalResponse reversal, CancellationToken ct) => BoundedAsync($"re-drive the saga of reversal {reversal.Id}", async token =>
    {
        var instanceId = reversal.Id.ToString();
        await workflows.PurgeInstanceAsync(instanceId, token);
        await workflows.ScheduleNewWorkflowAsync(ReversalWorkflow.Name, instanceId, ReversalInput.From(reversal, _options), startTime: null, token);
        return true;
    }, ct);

    /// <summary>Ends a live instance that stopped making progress, so the next sweep can re-drive it.</summary>
    public Task<bool> TryTerminateAsync(Guid reversalId, CancellationToken ct) => BoundedAsync($"terminate the stuck saga of reversal {reversalId}", async token =>
    {
        await workflows.TerminateWorkflowAsync(reversalId.ToString(), "no progress; the reversal sweeper re-drives it", token);
        return true;
    }, ct);

    private async Task<bool> BoundedAsync(string what, Func<CancellationToken, Task<bool>> call, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(_options.SidecarCallTimeoutMs);
        try
        {
            return await call(bounded.Token);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Could not {What} within {TimeoutMs} ms; the reversal sweeper will", what, _options.SidecarCallTimeoutMs);
            return false;
        }
    }
}
