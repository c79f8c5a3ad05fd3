using Dapr.Workflow;

namespace LedgerX.Transactions.Api.Reversals;

// The saga's activities: thin adapters from the workflow engine to IReversalSteps, where the work is (and where a
// test host can put a decorator that injects failures).

public sealed class ValidateReversalActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input) => steps.ValidateAsync(input, CancellationToken.None);
}

public sealed class HoldReversalFundsActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input) => steps.HoldFundsAsync(input, CancellationToken.None);
}

public sealed class PostReversingEntryActivity(IReversalSteps steps) : WorkflowActivity<SagaProgress, StepOutcome>
{
    public override Task<StepOutcome> RunAsync(WorkflowActivityContext context, SagaProgress input) => steps.PostAsync(input, CancellationToken.None);
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
