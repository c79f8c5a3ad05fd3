using System.ComponentModel.DataAnnotations;

namespace LedgerX.Notifications.Api.Intake;

/// <summary>"Notifications:Intake".</summary>
public sealed class IntakeOptions
{
    public const string Section = "Notifications:Intake";

    /// <summary>An event about an account whose owner is not projected yet is retried (account.opened.v1 is coming) this
    /// many times, then dropped to the dead-letter topic.</summary>
    [Range(1, 1000)] public int MaxOwnerWaitAttempts { get; set; } = 20;
}
