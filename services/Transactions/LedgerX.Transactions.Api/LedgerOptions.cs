using System.ComponentModel.DataAnnotations;

namespace LedgerX.Transactions.Api;

/// <summary>Tunables of the ledger, bound from the "Ledger" configuration section and validated at start.</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>Most commands applied in one database transaction (group commit).</summary>
    [Range(1, 2000)] public int MaxBatchSize { get; set; } = 500;

    /// <summary>Commands waiting for the writer before callers are made to wait (back-pressure).</summary>
    [Range(1, 100_000)] public int QueueCapacity { get; set; } = 10_000;

    /// <summary>How long a stored Idempotency-Key response is replayed. docs/design.md requires at least 24 h.</summary>
    [Range(24, 24 * 30)] public int IdempotencyRetentionHours { get; set; } = 48;

    [Range(1, 30 * 24 * 3600)] public int DefaultHoldExpirySeconds { get; set; } = 7 * 24 * 3600;
    [Range(1, 90 * 24 * 3600)] public int MaxHoldExpirySeconds { get; set; } = 30 * 24 * 3600;

    /// <summary>How often expired holds, stale idempotency keys and old outbox rows are cleaned up.</summary>
    [Range(100, 3_600_000)] public int MaintenanceIntervalMs { get; set; } = 1000;

    /// <summary>Sent outbox rows are kept this long (the event log itself keeps every event forever).</summary>
    [Range(1, 365)] public int OutboxRetentionDays { get; set; } = 7;
}

/// <summary>How the outbox relay publishes, bound from "Ledger:Outbox".</summary>
public sealed class OutboxOptions
{
    public const string Section = "Ledger:Outbox";

    [Range(1, 1000)] public int BatchSize { get; set; } = 200;
    [Range(1, 64)] public int Concurrency { get; set; } = 8;
    [Range(10, 60_000)] public int PollIntervalMs { get; set; } = 1000;
    [Range(10, 60_000)] public int BackoffBaseMs { get; set; } = 200;
    [Range(100, 3_600_000)] public int BackoffMaxMs { get; set; } = 60_000;
}
