using System.ComponentModel.DataAnnotations;

namespace LedgerX.ServiceDefaults.Audit;

/// <summary>"AuditOutbox": how a service's audit outbox relay publishes and how long it keeps published rows.</summary>
public sealed class AuditOutboxOptions
{
    public const string Section = "AuditOutbox";

    /// <summary>Rows claimed per pass; a full pass goes again at once.</summary>
    [Range(1, 1000)] public int BatchSize { get; set; } = 100;

    /// <summary>How often an idle relay looks (a commit wakes it sooner).</summary>
    [Range(10, 60_000)] public int PollIntervalMs { get; set; } = 1000;

    [Range(10, 60_000)] public int BackoffBaseMs { get; set; } = 500;

    [Range(100, 3_600_000)] public int BackoffMaxMs { get; set; } = 60_000;

    /// <summary>Published rows are kept this long (the audit log keeps every event for good).</summary>
    [Range(1, 365)] public int RetentionDays { get; set; } = 7;

    /// <summary>How often published rows past the retention are deleted.</summary>
    [Range(1, 1440)] public int CleanupIntervalMinutes { get; set; } = 60;
}
