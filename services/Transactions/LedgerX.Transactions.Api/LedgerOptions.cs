using System.ComponentModel.DataAnnotations;

namespace LedgerX.Transactions.Api;

/// <summary>Tunables of the ledger, bound from the "Ledger" configuration section and validated at start.</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>Most commands applied in one database transaction (group commit).</summary>
    [Range(1, 2000)] public int MaxBatchSize { get; set; } = 500;

    /// <summary>Whether the next batch is formed and its load sent while the batch before it writes and commits, so
    /// that it waits on the server for the log head instead of behind the writer's own round trips (ADR 0020, decision
    /// 6). Off by default: on a quiet 2-core machine one batch at a time applied 15–25 % more transfers per second in
    /// every paired run (ADR 0020, decision 7). Worth trying where the database is on its own machine.</summary>
    public bool Pipelining { get; set; }

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

    /// <summary>How long the writer keeps asking the database whether a batch committed when its COMMIT got no answer
    /// (the connection broke). Past this the callers are told the outcome is unknown (503 commit_outcome_unknown).</summary>
    [Range(1000, 300_000)] public int CommitOutcomeTimeoutMs { get; set; } = 10_000;

    /// <summary>At shutdown, how long the batch being applied may take to finish, so its callers learn its real outcome.
    /// Keep it below the host's shutdown timeout (30 s by default).</summary>
    [Range(100, 120_000)] public int ShutdownGraceMs { get; set; } = 10_000;
}

/// <summary>
/// Database timeouts, bound from "Ledger:Database". They bound how long one stuck replica (partitioned, frozen, or
/// just slow) can hold the ledger-wide <c>ledger_head</c> lock and so stop every other replica's writes.
/// </summary>
public sealed class LedgerDatabaseOptions
{
    public const string Section = "Ledger:Database";

    /// <summary>A writer waiting this long for a row lock (the log head, an account) gives up and retries the batch
    /// (PostgreSQL <c>lock_timeout</c>, set for the writer's transactions only).</summary>
    [Range(100, 600_000)] public int LockTimeoutMs { get; set; } = 5_000;

    /// <summary>Longest single statement of a writer batch (<c>statement_timeout</c>, writer's transactions only).</summary>
    [Range(100, 600_000)] public int StatementTimeoutMs { get; set; } = 15_000;

    /// <summary>A writer transaction whose client goes quiet this long (a partitioned or frozen replica) is ended by the
    /// server and its locks released (<c>idle_in_transaction_session_timeout</c>, writer's transactions only).</summary>
    [Range(100, 600_000)] public int IdleInTransactionTimeoutMs { get; set; } = 5_000;

    /// <summary>How long the client waits for any answer before it cancels and drops the connection (Npgsql
    /// <c>Command Timeout</c>); used unless the connection string sets it.</summary>
    [Range(1, 3600)] public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>Idle pooled connections are pinged this often, so a dead one is found before a batch uses it (Npgsql
    /// <c>Keepalive</c>); used unless the connection string sets it.</summary>
    [Range(1, 3600)] public int KeepAliveSeconds { get; set; } = 10;

    /// <summary>The server probes a silent client after this long (<c>tcp_keepalives_idle</c>; then every
    /// <see cref="TcpKeepAliveIntervalSeconds"/>, <see cref="TcpKeepAliveCount"/> times), so a backend whose client
    /// vanished is ended even while it runs.</summary>
    [Range(1, 3600)] public int TcpKeepAliveIdleSeconds { get; set; } = 10;

    [Range(1, 600)] public int TcpKeepAliveIntervalSeconds { get; set; } = 5;

    [Range(1, 100)] public int TcpKeepAliveCount { get; set; } = 3;

    /// <summary>The server drops a connection whose sent data stays unacknowledged this long (<c>tcp_user_timeout</c>):
    /// a backend blocked writing to a vanished client does not wait for the keepalives.</summary>
    [Range(1000, 3_600_000)] public int TcpUserTimeoutMs { get; set; } = 30_000;

    /// <summary>Statements Npgsql prepares on each connection once they have run a few times (<c>Max Auto Prepare</c>),
    /// so the writer's dozen fixed statements are parsed and planned once per connection instead of once per batch
    /// (ADR 0020); used unless the connection string sets it. 0 turns preparation off.</summary>
    [Range(0, 1024)] public int MaxAutoPrepare { get; set; } = 64;
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
