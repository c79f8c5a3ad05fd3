namespace LedgerX.Transactions.Api.Reversals;

/// <summary>
/// The work behind each step of the reversal saga. Every method is safe to run more than once for the same saga:
/// ledger writes carry the step's deterministic Idempotency-Key, reads change nothing, and step records overwrite.
/// Refusals come back as a failed <see cref="StepOutcome"/>; exceptions mean "may pass", and the workflow retries.
/// </summary>
public interface IReversalSteps
{
    Task<StepOutcome> ValidateAsync(SagaProgress saga, CancellationToken ct);
    Task<StepOutcome> HoldFundsAsync(SagaProgress saga, CancellationToken ct);
    Task<StepOutcome> PostAsync(SagaProgress saga, CancellationToken ct);
    Task<StepOutcome> NotifyAsync(SagaProgress saga, CancellationToken ct);
    Task<StepOutcome> VoidHoldAsync(SagaProgress saga, CancellationToken ct);
    Task<StepOutcome> CompensateEntryAsync(SagaProgress saga, CancellationToken ct);
    Task<StepOutcome> FailAsync(SagaProgress saga, CancellationToken ct);
    Task RecordAsync(StepRecord record, CancellationToken ct);
    /// <summary>The approval decision recorded on the reversal, if an approver already decided.</summary>
    Task<ApprovalDecision?> RecordedDecisionAsync(Guid reversalId, CancellationToken ct);
}
