using Dapr.Workflow;

namespace LedgerX.Transactions.Api.Reversals;

/// <summary>
/// The reversal saga (ADR 0007): validate → approval above the threshold (external event, durable timeout) → hold the
/// funds on the receiver → post the reversing entry (the pivot) → notify → completed. Workflow code only decides; every
/// effect is an activity, and every ledger write is keyed by the saga id and step (<see cref="SagaSteps.Key"/>), so
/// replays, retries and a re-driven saga write once.
/// <list type="bullet">
/// <item>An exception from a step means "may pass" (the database or sidecar away): the step is retried with backoff
/// for a long horizon (<see cref="ReversalInput.StepAttempts"/>, capped intervals) before it counts as failed.</item>
/// <item>Before the pivot, a failed step runs the compensations of the steps before it in reverse order and the saga
/// ends failed with the reason. After the pivot the money has moved: steps only retry forward, never compensate.</item>
/// <item>Compensations and the final ledger event are forward steps too: they are retried in rounds (durable timers
/// between) until they succeed or are refused, so a database blip cannot leave a hold or a reversal unfinished.</item>
/// <item>Recording a step in the read model is best effort: its failure never ends the workflow or skips a step.</item>
/// </list>
/// If even the rounds run out, the workflow ends without a terminal ledger event; the reversal stays unfinished and the
/// <see cref="ReversalSweeper"/> re-drives it.
/// </summary>
public sealed class ReversalWorkflow : Workflow<ReversalInput, string>
{
    public const string Name = nameof(ReversalWorkflow);
    public const string ApprovalEvent = "approval";
    /// <summary>What the workflow returns when it gave up going forward and left the reversal to the sweeper.</summary>
    public const string LeftForSweeper = "left_for_sweeper";

    public override async Task<string> RunAsync(WorkflowContext context, ReversalInput input)
    {
        var retry = new WorkflowTaskOptions(new WorkflowRetryPolicy(input.StepAttempts, TimeSpan.FromMilliseconds(input.StepRetryFirstIntervalMs), 2.0,
            TimeSpan.FromMilliseconds(Math.Max(input.StepRetryFirstIntervalMs, input.StepRetryMaxIntervalMs))));
        var saga = new Saga(context, input, retry);
        var progress = new SagaProgress(input);

        var validated = await saga.StepAsync(nameof(ValidateReversalActivity), SagaSteps.Validate, progress);
        if (!validated.Succeeded)
        {
            return await saga.FailAsync(progress, validated.Error!, []);
        }

        if (input.RequiresApproval)
        {
            var decision = await AwaitApprovalAsync(saga, input);
            if (!decision.Approved)
            {
                return await saga.FailAsync(progress, decision.TimedOut ? "approval timed out" : $"rejected by {decision.By}", []);
            }
        }

        // Without an approval to wait for, the validate activity has usually held the funds already (Next).
        var held = validated.Next ?? await saga.StepAsync(nameof(HoldReversalFundsActivity), SagaSteps.Hold, progress);
        if (!held.Succeeded)
        {
            // The step may have failed after its hold committed (a host dying at the wrong moment): void what it left.
            return await CompensateAsync(saga, progress, held.Error!, voidHold: true, compensateEntry: false);
        }
        progress = progress with { HoldId = held.HoldId, Held = held.Held };

        var posted = await saga.StepAsync(nameof(PostReversingEntryActivity), SagaSteps.Post, progress);
        if (!posted.Succeeded)
        {
            return await CompensateAsync(saga, progress, posted.Error!, voidHold: true, compensateEntry: true);
        }
        progress = progress with { ReversalEntryId = posted.EntryId };

        // The pivot is behind us: the reversing entry is posted. Completing is all that is left, however long it takes.
        // The post activity has usually notified already (Next); otherwise notify is a forward step of its own.
        var notified = posted.Next ?? await saga.ForwardAsync(nameof(NotifyReversalCompletedActivity), SagaSteps.Notify, progress, retryRefusals: true);
        if (notified is null)
        {
            context.SetCustomStatus(ReversalStatus.Pending);
            return LeftForSweeper;
        }
        context.SetCustomStatus(ReversalStatus.Completed);
        return ReversalStatus.Completed;
    }

    private static async Task<ApprovalDecision> AwaitApprovalAsync(Saga saga, ReversalInput input)
    {
        var context = saga.Context;
        var asked = context.CurrentUtcDateTime;
        context.SetCustomStatus(ReversalStatus.AwaitingApproval);
        await saga.RecordAsync(new StepRecord(input.ReversalId, SagaSteps.Approval, "waiting", null, asked, asked, ReversalStatus.AwaitingApproval));
        // A decision recorded before this run waited (the saga re-driven, or the event raised while the sidecar was away)
        // is read from the reversal itself; otherwise the approval endpoint's event brings it.
        var decision = await saga.RecordedDecisionAsync(input.ReversalId);
        if (decision is null)
        {
            try
            {
                decision = await context.WaitForExternalEventAsync<ApprovalDecision>(ApprovalEvent, TimeSpan.FromMilliseconds(input.ApprovalTimeoutMs));
            }
            catch (TaskCanceledException)
            {
                decision = ApprovalDecision.Timeout;
            }
        }
        await saga.RecordAsync(new StepRecord(input.ReversalId, SagaSteps.Approval,
            decision.Approved ? "approved" : decision.TimedOut ? "timed_out" : "rejected",
            decision.TimedOut ? $"no decision within {input.ApprovalTimeoutMs} ms" : $"by {decision.By}", asked, context.CurrentUtcDateTime,
            ReversalStatus.Pending));
        return decision;
    }

    /// <summary>Runs compensations in reverse order of the steps that made them necessary, then fails the saga. Each
    /// compensation finds what its step left by the step's key, so it also undoes a step that failed after committing;
    /// only what was actually undone is listed. A compensation the ledger refuses is reported in the failure (the hold
    /// would still expire by itself); one that cannot run now is retried forward.</summary>
    private static async Task<string> CompensateAsync(Saga saga, SagaProgress progress, string reason, bool voidHold, bool compensateEntry)
    {
        var done = new List<string>();
        if (compensateEntry)
        {
            var compensated = await saga.ForwardAsync(nameof(CompensateReversingEntryActivity), SagaSteps.CompensateEntry, progress, retryRefusals: false);
            if (compensated is null)
            {
                return LeftForSweeper;
            }
            if (!compensated.Succeeded)
            {
                return await saga.FailAsync(progress, $"{reason}; compensating the reversing entry failed: {compensated.Error}", done);
            }
            if (compensated.EntryId is not null)
            {
                done.Add(Compensations.EntryCompensated);
            }
        }
        if (voidHold)
        {
            var voided = await saga.ForwardAsync(nameof(VoidReversalHoldActivity), SagaSteps.VoidHold, progress, retryRefusals: false);
            if (voided is null)
            {
                return LeftForSweeper;
            }
            if (!voided.Succeeded)
            {
                return await saga.FailAsync(progress, $"{reason}; voiding the hold failed: {voided.Error}", done);
            }
            if (voided.HoldId is not null)
            {
                done.Add(Compensations.HoldVoided);
            }
        }
        return await saga.FailAsync(progress, reason, done);
    }

    /// <summary>The saga's calls into its activities, with the retry rules of <see cref="ReversalWorkflow"/>.</summary>
    private sealed class Saga(WorkflowContext context, ReversalInput input, WorkflowTaskOptions retry)
    {
        public WorkflowContext Context => context;

        /// <summary>Calls a step's activity; an activity that still throws after its retries is a failed step, recorded as such.</summary>
        public async Task<StepOutcome> StepAsync(string activity, string step, SagaProgress progress)
        {
            var started = context.CurrentUtcDateTime;
            try
            {
                return await context.CallActivityAsync<StepOutcome>(activity, progress, retry);
            }
            catch (WorkflowTaskFailedException failed)
            {
                var error = failed.FailureDetails.ErrorMessage;
                await RecordAsync(new StepRecord(progress.Reversal.ReversalId, step, "failed", error, started, context.CurrentUtcDateTime));
                return StepOutcome.Failed($"{step} failed: {error}");
            }
        }

        /// <summary>A step that must happen: rounds of <see cref="StepAsync"/> separated by durable timers, until it
        /// succeeds or (unless <paramref name="retryRefusals"/>) the ledger refuses it. Null when the rounds ran out.</summary>
        public async Task<StepOutcome?> ForwardAsync(string activity, string step, SagaProgress progress, bool retryRefusals)
        {
            for (var round = 1; ; round++)
            {
                var outcome = await TryActivityAsync(activity, step, progress);
                if (outcome is { Succeeded: true } || (outcome is not null && !retryRefusals))
                {
                    return outcome;
                }
                if (round >= input.ForwardRounds)
                {
                    return null;
                }
                await context.CreateTimer(TimeSpan.FromMilliseconds(input.ForwardRetryIntervalMs));
            }
        }

        /// <summary>Ends the saga failed with the reason; the ledger event that says so is a forward step.</summary>
        public async Task<string> FailAsync(SagaProgress progress, string reason, List<string> compensations)
        {
            var failed = await ForwardAsync(nameof(FailReversalActivity), SagaSteps.Fail, progress with { FailureReason = reason, Compensations = compensations },
                retryRefusals: true);
            if (failed is null)
            {
                return LeftForSweeper;
            }
            context.SetCustomStatus(ReversalStatus.Failed);
            return ReversalStatus.Failed;
        }

        /// <summary>Best effort: the read model's step list is not worth failing (or skipping) the saga for.</summary>
        public async Task RecordAsync(StepRecord record)
        {
            try
            {
                await context.CallActivityAsync<bool>(nameof(RecordReversalStepActivity), record, retry);
            }
            catch (WorkflowTaskFailedException)
            {
                // The step itself is unaffected; the next record of this step overwrites it.
            }
        }

        public async Task<ApprovalDecision?> RecordedDecisionAsync(Guid reversalId)
        {
            try
            {
                return await context.CallActivityAsync<ApprovalDecision?>(nameof(ReadApprovalDecisionActivity), reversalId, retry);
            }
            catch (WorkflowTaskFailedException)
            {
                return null; // the event will bring it
            }
        }

        /// <summary>One round: the step's outcome, or null if it threw after all its retries (a reason that may pass).</summary>
        private async Task<StepOutcome?> TryActivityAsync(string activity, string step, SagaProgress progress)
        {
            var started = context.CurrentUtcDateTime;
            try
            {
                return await context.CallActivityAsync<StepOutcome>(activity, progress, retry);
            }
            catch (WorkflowTaskFailedException failed)
            {
                await RecordAsync(new StepRecord(progress.Reversal.ReversalId, step, "retrying", failed.FailureDetails.ErrorMessage, started,
                    context.CurrentUtcDateTime));
                return null;
            }
        }
    }
}
