using LedgerX.Transactions.Api.Apis;

namespace LedgerX.Transactions.Api.Reversals;

// The reversal saga's messages. They are the workflow's input and its activities' inputs and outputs, stored in the
// workflow history (JSON), so they carry primitives only and only grow compatibly.

/// <summary>Everything the saga needs, fixed when it starts (options included), so replaying it decides the same.
/// Fields added later have defaults, so the input of a saga started before them still reads.</summary>
public sealed record ReversalInput(Guid ReversalId, Guid EntryId, Guid AccountId, Guid CounterpartyAccountId, long Amount, string Currency,
    string Reason, bool RequiresApproval, long ApprovalTimeoutMs, ShortfallPolicy ShortfallPolicy, Guid? RecoveryAccountId,
    int StepAttempts, int StepRetryFirstIntervalMs, int StepRetryMaxIntervalMs = 30_000, int ForwardRetryIntervalMs = 60_000, int ForwardRounds = 120)
{
    /// <summary>The saga of a recorded reversal, with the options in force now.</summary>
    public static ReversalInput From(ReversalResponse r, ReversalOptions options) =>
        new(r.Id, r.EntryId, r.AccountId, r.CounterpartyAccountId, r.Amount, r.Currency, r.Reason, r.RequiresApproval,
            options.ApprovalTimeoutMs, options.ShortfallPolicy, options.RecoveryAccountId, options.StepAttempts, options.StepRetryFirstIntervalMs,
            options.StepRetryMaxIntervalMs, options.ForwardRetryIntervalMs, options.ForwardRounds);
}

/// <summary>The saga's state as it reaches a step: what earlier steps produced.</summary>
public sealed record SagaProgress(ReversalInput Reversal, Guid? HoldId = null, long Held = 0, Guid? ReversalEntryId = null,
    string? FailureReason = null, IReadOnlyList<string>? Compensations = null)
{
    /// <summary>The part of the amount the receiver no longer had, taken from the recovery account instead.</summary>
    public long Shortfall => Reversal.Amount - Held;
}

/// <summary>A step's result. A refusal by the ledger is an outcome, not an exception: retrying it would not help.
/// <see cref="Next"/> is the outcome of the following step when the activity ran it too and it succeeded (validate →
/// hold, post → notify; see ReversalActivities.cs); null when the workflow must run that step itself.</summary>
public sealed record StepOutcome(bool Succeeded, string? Error = null, Guid? HoldId = null, long Held = 0, Guid? EntryId = null, StepOutcome? Next = null)
{
    public static readonly StepOutcome Ok = new(true);
    public static StepOutcome Failed(string error) => new(false, error);
}

/// <summary>An administrator's answer to a reversal waiting for approval (the workflow's external event), or the
/// timeout's. <see cref="TimedOut"/> is its own field, so no approver's name can pass for the timeout.</summary>
public sealed record ApprovalDecision(bool Approved, string By, bool TimedOut = false)
{
    public static readonly ApprovalDecision Timeout = new(false, "", TimedOut: true);
}

/// <summary>A step as the reversal's read model shows it.</summary>
public sealed record StepRecord(Guid ReversalId, string Step, string Outcome, string? Detail, DateTimeOffset StartedAt, DateTimeOffset FinishedAt,
    string? Status = null);

/// <summary>Step names: what GET /api/v1/reversals/{id} lists, and what each ledger write's Idempotency-Key ends with.</summary>
public static class SagaSteps
{
    public const string Validate = "validate";
    public const string Approval = "approval";
    public const string Hold = "hold";
    public const string Post = "post";
    public const string Notify = "notify";
    public const string VoidHold = "void_hold";
    public const string CompensateEntry = "compensate_entry";
    public const string Fail = "fail";

    /// <summary>The Idempotency-Key of a step's ledger write: the same on every attempt and every replay of the saga,
    /// so a step that ran twice (a retry, an app killed after the commit) writes once.</summary>
    public static string Key(Guid reversalId, string step) => $"reversal:{reversalId}:{step}";
}

/// <summary>A recorded approval decision (<c>reversals.decision</c>).</summary>
public static class ApprovalDecisions
{
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

/// <summary>Names of the compensations, as listed in reversal.failed.v1.</summary>
public static class Compensations
{
    public const string HoldVoided = "hold_voided";
    public const string EntryCompensated = "entry_compensated";
}

/// <summary>Statuses of a reversal.</summary>
public static class ReversalStatus
{
    public const string Pending = "pending";
    public const string AwaitingApproval = "awaiting_approval";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Pending, AwaitingApproval, Completed, Failed };
}
