using Dapr.Workflow;

namespace LedgerX.Transactions.Api.Reversals;

/// <summary>
/// The reversal saga (docs/design.md, "Reversals are sagas"): validate → approval above the threshold (external event, durable
/// timeout) → hold the funds on the receiver → post the reversing entry → notify → completed. A step that fails after
/// side effects runs the compensations of the steps before it in reverse order, and the saga ends failed with the
/// reason. Workflow code only decides; every effect is an activity, and every ledger write is keyed by the saga id
/// and step (<see cref="SagaSteps.Key"/>), so replays and retries write once.
/// </summary>
public sealed class ReversalWorkflow : Workflow<ReversalInput, string>
{
    public const string Name = nameof(ReversalWorkflow);
    public const string ApprovalEvent = "approval";

    public override async Task<string> RunAsync(WorkflowContext context, ReversalInput input)
    {
        var retry = new WorkflowTaskOptions(new WorkflowRetryPolicy(input.StepAttempts, TimeSpan.FromMilliseconds(input.StepRetryFirstIntervalMs), 2.0));
        var progress = new SagaProgress(input);

        var validated = await StepAsync(context, nameof(ValidateReversalActivity), SagaSteps.Validate, progress, retry);
        if (!validated.Succeeded)
        {
            return await FailAsync(context, progress, validated.Error!, [], retry);
        }

        if (input.RequiresApproval)
        {
            var decision = await AwaitApprovalAsync(context, input, retry);
            if (!decision.Approved)
            {
                return await FailAsync(context, progress, decision.By == "timeout" ? "approval timed out" : $"rejected by {decision.By}", [], retry);
            }
        }

        var held = await StepAsync(context, nameof(HoldReversalFundsActivity), SagaSteps.Hold, progress, retry);
        if (!held.Succeeded)
        {
            // The step may have failed after its hold committed (a host dying at the wrong moment): void what it left.
            return await CompensateAsync(context, progress, held.Error!, voidHold: true, compensateEntry: false, retry);
        }
        progress = progress with { HoldId = held.HoldId, Held = held.Held };

        var posted = await StepAsync(context, nameof(PostReversingEntryActivity), SagaSteps.Post, progress, retry);
        if (!posted.Succeeded)
        {
            return await CompensateAsync(context, progress, posted.Error!, voidHold: true, compensateEntry: true, retry);
        }
        progress = progress with { ReversalEntryId = posted.EntryId };

        var notified = await StepAsync(context, nameof(NotifyReversalCompletedActivity), SagaSteps.Notify, progress, retry);
        if (!notified.Succeeded)
        {
            // The hold was consumed by the posting; undoing the posting is what is left to undo.
            return await CompensateAsync(context, progress, notified.Error!, voidHold: false, compensateEntry: true, retry);
        }
        context.SetCustomStatus(ReversalStatus.Completed);
        return ReversalStatus.Completed;
    }

    private static async Task<ApprovalDecision> AwaitApprovalAsync(WorkflowContext context, ReversalInput input, WorkflowTaskOptions retry)
    {
        var asked = context.CurrentUtcDateTime;
        context.SetCustomStatus(ReversalStatus.AwaitingApproval);
        await context.CallActivityAsync(nameof(RecordReversalStepActivity),
            new StepRecord(input.ReversalId, SagaSteps.Approval, "waiting", null, asked, asked, ReversalStatus.AwaitingApproval), retry);
        ApprovalDecision decision;
        try
        {
            decision = await context.WaitForExternalEventAsync<ApprovalDecision>(ApprovalEvent, TimeSpan.FromMilliseconds(input.ApprovalTimeoutMs));
        }
        catch (TaskCanceledException)
        {
            decision = new ApprovalDecision(false, "timeout");
        }
        await context.CallActivityAsync(nameof(RecordReversalStepActivity),
            new StepRecord(input.ReversalId, SagaSteps.Approval, decision.Approved ? "approved" : decision.By == "timeout" ? "timed_out" : "rejected",
                $"by {decision.By}", asked, context.CurrentUtcDateTime, ReversalStatus.Pending), retry);
        return decision;
    }

    /// <summary>Runs compensations in reverse order of the steps that made them necessary, then fails the saga. Each
    /// compensation finds what its step left by the step's key, so it also undoes a step that failed after committing;
    /// only what was actually undone is listed. A compensation that cannot run is reported in the failure (the hold
    /// would still expire by itself).</summary>
    private static async Task<string> CompensateAsync(WorkflowContext context, SagaProgress progress, string reason, bool voidHold, bool compensateEntry,
        WorkflowTaskOptions retry)
    {
        var done = new List<string>();
        if (compensateEntry)
        {
            var compensated = await StepAsync(context, nameof(CompensateReversingEntryActivity), SagaSteps.CompensateEntry, progress, retry);
            if (!compensated.Succeeded)
            {
                return await FailAsync(context, progress, $"{reason}; compensating the reversing entry failed: {compensated.Error}", done, retry);
            }
            if (compensated.EntryId is not null)
            {
                done.Add(Compensations.EntryCompensated);
            }
        }
        if (voidHold)
        {
            var voided = await StepAsync(context, nameof(VoidReversalHoldActivity), SagaSteps.VoidHold, progress, retry);
            if (!voided.Succeeded)
            {
                return await FailAsync(context, progress, $"{reason}; voiding the hold failed: {voided.Error}", done, retry);
            }
            if (voided.HoldId is not null)
            {
                done.Add(Compensations.HoldVoided);
            }
        }
        return await FailAsync(context, progress, reason, done, retry);
    }

    private static async Task<string> FailAsync(WorkflowContext context, SagaProgress progress, string reason, List<string> compensations,
        WorkflowTaskOptions retry)
    {
        await StepAsync(context, nameof(FailReversalActivity), SagaSteps.Fail, progress with { FailureReason = reason, Compensations = compensations }, retry);
        context.SetCustomStatus(ReversalStatus.Failed);
        return ReversalStatus.Failed;
    }

    /// <summary>Calls a step's activity; an activity that still throws after its retries is a failed step, recorded as such.</summary>
    private static async Task<StepOutcome> StepAsync(WorkflowContext context, string activity, string step, SagaProgress progress, WorkflowTaskOptions retry)
    {
        var started = context.CurrentUtcDateTime;
        try
        {
            return await context.CallActivityAsync<StepOutcome>(activity, progress, retry);
        }
        catch (WorkflowTaskFailedException failed)
        {
            var error = failed.FailureDetails.ErrorMessage;
            await context.CallActivityAsync(nameof(RecordReversalStepActivity),
                new StepRecord(progress.Reversal.ReversalId, step, "failed", error, started, context.CurrentUtcDateTime), retry);
            return StepOutcome.Failed($"{step} failed: {error}");
        }
    }
}
