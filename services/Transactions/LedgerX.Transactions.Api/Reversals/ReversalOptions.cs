using System.ComponentModel.DataAnnotations;
using LedgerX.Transactions.Domain;

namespace LedgerX.Transactions.Api.Reversals;

/// <summary>What happens when the account that received the money no longer holds all of it.</summary>
public enum ShortfallPolicy
{
    /// <summary>The saga fails and undoes what it did; nothing moves.</summary>
    FailAndCompensate,
    /// <summary>What the receiver still has is taken back; the rest is debited from a recovery (receivable) account,
    /// within that account's overdraft limit, and collected from the customer outside the ledger.</summary>
    PostToRecoveryAccount,
}

/// <summary>Tunables of the reversal saga, bound from "Ledger:Reversals" and validated at start. The saga copies
/// them into its input when it starts, so a running saga keeps the rules it was started with.</summary>
public sealed class ReversalOptions : IValidatableObject
{
    public const string Section = "Ledger:Reversals";

    /// <summary>Entries older than this cannot be reversed.</summary>
    [Range(1, 3650)] public int WindowDays { get; set; } = 90;

    /// <summary>Reversals of more than this many minor units wait for an administrator's approval, in every currency
    /// without its own entry in <see cref="ApprovalThresholds"/>.</summary>
    [Range(0, Money.MaxAmount)] public long ApprovalThreshold { get; set; } = 1_000_000;

    /// <summary>Per-currency thresholds in that currency's minor units, keyed by ISO 4217 code
    /// (<c>Ledger:Reversals:ApprovalThresholds:KWD</c>): one raw number means very different sums across currencies.</summary>
    public Dictionary<string, long> ApprovalThresholds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long a reversal waits for approval before it is rejected (a durable timer: survives restarts).</summary>
    [Range(100, 30L * 24 * 3600 * 1000)] public long ApprovalTimeoutMs { get; set; } = 24L * 3600 * 1000;

    public ShortfallPolicy ShortfallPolicy { get; set; } = ShortfallPolicy.FailAndCompensate;

    /// <summary>The receivable account shortfalls are posted to; required by <see cref="ShortfallPolicy.PostToRecoveryAccount"/>.</summary>
    public Guid? RecoveryAccountId { get; set; }

    /// <summary>How long the saga's hold on the receiver lasts; it outlives any healthy saga, and releases the funds
    /// by itself if a saga is abandoned.</summary>
    [Range(60, 30 * 24 * 3600)] public int HoldExpirySeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>Attempts of each step when it fails for a reason that may pass (the database or sidecar away), with
    /// exponential backoff from <see cref="StepRetryFirstIntervalMs"/> capped at <see cref="StepRetryMaxIntervalMs"/>:
    /// the defaults keep trying for about seven minutes before a step before the pivot counts as failed.</summary>
    [Range(1, 100)] public int StepAttempts { get; set; } = 20;
    [Range(10, 60_000)] public int StepRetryFirstIntervalMs { get; set; } = 200;
    [Range(10, 600_000)] public int StepRetryMaxIntervalMs { get; set; } = 30_000;

    /// <summary>Steps that must happen (after the pivot, compensations, the final event) run in up to
    /// <see cref="ForwardRounds"/> rounds of <see cref="StepAttempts"/>, this far apart (a durable timer): the defaults
    /// keep going for a day before the saga leaves the reversal to the sweeper.</summary>
    [Range(10, 3_600_000)] public int ForwardRetryIntervalMs { get; set; } = 600_000;
    [Range(1, 1000)] public int ForwardRounds { get; set; } = 120;

    /// <summary>How long a call to the sidecar's workflow engine may take (start a saga, deliver a decision, inspect):
    /// requests answer within it even with the sidecar down, and the sweeper finishes the rest.</summary>
    [Range(100, 60_000)] public int SidecarCallTimeoutMs { get; set; } = 2_000;

    /// <summary>Sagas are scheduled after the reversal request is answered (<see cref="ReversalSagaStartQueue"/>): this many
    /// starts may wait (beyond it a request schedules its own saga before answering), and this many are made at once.</summary>
    [Range(1, 100_000)] public int StartQueueCapacity { get; set; } = 1_000;
    [Range(1, 256)] public int StartConcurrency { get; set; } = 16;

    /// <summary>The reversal sweeper (<see cref="ReversalSweeper"/>): how often it runs, how long a reversal must have
    /// been still before it is looked at, how many it looks at per pass, and when a live saga counts as stuck (longer
    /// than a step's whole retry horizon plus a forward round).</summary>
    [Range(100, 3_600_000)] public int SweepIntervalMs { get; set; } = 30_000;
    [Range(100, 86_400_000)] public int SweepStaleAfterMs { get; set; } = 60_000;
    [Range(1, 1000)] public int SweepBatchSize { get; set; } = 50;
    [Range(1_000, 7L * 86_400_000)] public long SweepStuckAfterMs { get; set; } = 2L * 3_600_000;

    /// <summary>The thresholds as the ledger's rule takes them.</summary>
    public ApprovalThresholds Thresholds() => new(ApprovalThreshold, new Dictionary<string, long>(ApprovalThresholds, StringComparer.Ordinal));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (code, threshold) in ApprovalThresholds)
        {
            if (!Currency.TryParse(code, out _))
            {
                yield return new ValidationResult($"{nameof(ApprovalThresholds)} has '{code}', which is not an active ISO 4217 currency code.",
                    [nameof(ApprovalThresholds)]);
            }
            if (threshold is < 0 or > Money.MaxAmount)
            {
                yield return new ValidationResult($"{nameof(ApprovalThresholds)}:{code} must be between 0 and {Money.MaxAmount} minor units.",
                    [nameof(ApprovalThresholds)]);
            }
        }
        if (ShortfallPolicy == ShortfallPolicy.PostToRecoveryAccount && RecoveryAccountId is null)
        {
            yield return new ValidationResult($"{nameof(RecoveryAccountId)} is required when {nameof(ShortfallPolicy)} is {ShortfallPolicy}.",
                [nameof(RecoveryAccountId)]);
        }
    }
}
