using Dapr.Workflow;

namespace LedgerX.Transactions.Api.Reversals;

// The saga's activities: thin adapters from the workflow engine to IReversalSteps, where the work is (and where a
// test host can put a decorator that injects failures).
//
// Two activities also try the step that follows theirs, when nothing sits between them in the workflow: validate
// then hold (no approval to wait for), post then notify. Every activity is a round trip through the workflow engine
// (its result saved, a turn replayed and saved, the next activity handed out), which cost more than the step itself;
// the inline attempt saves one round trip per pair. It changes no step's meaning: the following step runs with the
// same input, under its own Idempotency-Key and its own step record, and only a success is handed to the workflow
// (StepOutcome.Next). A refusal or an exception is dropped, and the workflow then runs the step as its own activity,
// with its retries, forward rounds and compensations as before; the ledger answers a repeated write from its key.
// A saga whose history predates this reads no Next and runs every step as its own activity, so replays decide the same.

public sealed class ValidateReversalActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override async Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input)
    {
        var validated = await steps.ValidateAsync(input, CancellationToken.None);
        return validated.Succeeded && !input.Reversal.RequiresApproval
            ? validated with { Next = await InlineStep.TryAsync(() => steps.HoldFundsAsync(input, CancellationToken.None)) }
            : validated;
    }
}

public sealed class HoldReversalFundsActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input) => steps.HoldFundsAsync(input, CancellationToken.None);
}

public sealed class PostReversingEntryActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override async Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input)
    {
        var posted = await steps.PostAsync(input, CancellationToken.None);
        return posted.Succeeded
            ? posted with { Next = await InlineStep.TryAsync(() => steps.NotifyAsync(input with { ReversalEntryId = posted.EntryId }, CancellationToken.None)) }
            : posted;
    }
}

public sealed class NotifyReversalCompletedActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input) => steps.NotifyAsync(input, CancellationToken.None);
}

public sealed class VoidReversalHoldActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input) => steps.VoidHoldAsync(input, CancellationToken.None);
}

public sealed class CompensateReversingEntryActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input) => steps.CompensateEntryAsync(input, CancellationToken.None);
}

public sealed class FailReversalActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input) => steps.FailAsync(input, CancellationToken.None);
}

public sealed class RecordReversalStepActivity(IReversalSteps steps) : WorkflowActivity<StepRecord, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, StepRecord input)
    {
        await steps.RecordAsync(input, CancellationToken.None);
        return true;
    }
}

public sealed class ReadApprovalDecisionActivity(IReversalSteps steps) : WorkflowActivity<Guid, ApprovalDecision?>
{
    public override Task<ApprovalDecision?> RunAsync(WorkflowActivityContext context, Guid input) => steps.RecordedDecisionAsync(input, CancellationToken.None);
}

/// <summary>The attempt at the following step inside an activity (see the top of this file): its outcome if it succeeded,
/// otherwise null, and the workflow runs the step as its own activity.</summary>
internal static class InlineStep
{
    public static async Task<StepOutcome?> TryAsync(Func<Task<StepOutcome>> step)
    {
        try
        {
            var outcome = await step();
            return outcome.Succeeded ? outcome : null;
        }
        catch (Exception)
        {
            // "May pass" or not: the step's own activity decides, with its retry policy.
            return null;
        }
    }
}
