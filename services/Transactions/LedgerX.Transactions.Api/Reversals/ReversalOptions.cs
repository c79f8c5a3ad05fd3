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

    /// <summary>Reversals of more than this many minor units wait for an administrator's approval.</summary>
    [Range(0, Money.MaxAmount)] public long ApprovalThreshold { get; set; } = 1_000_000;

    /// <summary>How long a reversal waits for approval before it is rejected (a durable timer: survives restarts).</summary>
    [Range(100, 30L * 24 * 3600 * 1000)] public long ApprovalTimeoutMs { get; set; } = 24L * 3600 * 1000;

    public ShortfallPolicy ShortfallPolicy { get; set; } = ShortfallPolicy.FailAndCompensate;

    /// <summary>The receivable account shortfalls are posted to; required by <see cref="ShortfallPolicy.PostToRecoveryAccount"/>.</summary>
    public Guid? RecoveryAccountId { get; set; }

    /// <summary>How long the saga's hold on the receiver lasts; it outlives any healthy saga, and releases the funds
    /// by itself if a saga is abandoned.</summary>
    [Range(60, 30 * 24 * 3600)] public int HoldExpirySeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>Attempts of each step when it fails for a reason that may pass (the database or sidecar away).</summary>
    [Range(1, 10)] public int StepAttempts { get; set; } = 3;
    [Range(10, 60_000)] public int StepRetryFirstIntervalMs { get; set; } = 200;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ShortfallPolicy == ShortfallPolicy.PostToRecoveryAccount && RecoveryAccountId is null)
        {
            yield return new ValidationResult($"{nameof(RecoveryAccountId)} is required when {nameof(ShortfallPolicy)} is {ShortfallPolicy}.",
                [nameof(RecoveryAccountId)]);
        }
    }
}
