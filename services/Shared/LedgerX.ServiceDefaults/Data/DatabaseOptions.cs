using System.ComponentModel.DataAnnotations;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>
/// How long a service waits for its PostgreSQL, bound from "Database" (ADR 0029). Npgsql's own defaults (15 s to
/// connect, 30 s per command, 2 s for a cancellation's answer) let a partitioned database hold every request until the
/// gateway gave up with 504; these bounds, and the breaker's, make "the database is gone" a fast 503 instead.
/// </summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Opening a connection (Npgsql <c>Timeout</c>): TCP, TLS and authentication take milliseconds on a healthy
    /// network, so more only ever waits for a database that is not answering. Npgsql abandons an opening connection only
    /// at this timeout (its authentication reads do not observe cancellation), so it is also how long a request that
    /// needs a new connection can wait for a partitioned database before the breaker has opened. Used unless the
    /// connection string sets it.</summary>
    [Range(1, 600)] public int ConnectTimeoutSeconds { get; set; } = 2;

    /// <summary>Any one command (Npgsql <c>Command Timeout</c>): the backstop for what the breaker's shorter
    /// <see cref="DatabaseBreakerOptions.OperationTimeoutMs"/> does not cover (start-up, raw connections of background
    /// work). Migrations set their own, longer one (<see cref="PostgresDatabase.MigrationCommandTimeout"/>). Used unless the
    /// connection string sets it.</summary>
    [Range(1, 3600)] public int CommandTimeoutSeconds { get; set; } = 15;

    /// <summary>After a timed-out or cancelled command Npgsql asks the server to cancel it and waits this long for the
    /// answer before it drops the connection (Npgsql <c>Cancellation Timeout</c>, default 2 s). A healthy server answers in
    /// milliseconds; a partitioned one never does, and every abandoned request would wait the default on top of its own
    /// timeout. -1 does not wait at all. Used unless the connection string sets it.</summary>
    [Range(-1, 60_000)] public int CancellationTimeoutMs { get; set; } = -1;

    /// <summary>Idle pooled connections are pinged this often, so one the network silently dropped is found before a
    /// request takes it (Npgsql <c>Keepalive</c>). Used unless the connection string sets it.</summary>
    [Range(1, 3600)] public int KeepAliveSeconds { get; set; } = 10;
}

/// <summary>
/// The circuit breaker in front of a DbContext's database (<see cref="DatabaseBreaker{TContext}"/>), bound from
/// "Database:Breaker".
/// </summary>
public sealed class DatabaseBreakerOptions
{
    public const string Section = "Database:Breaker";

    /// <summary>Longest one EF Core operation (a query, a SaveChanges) may take once the service serves. It is how fast
    /// a hung database is noticed, so it is short, yet above a healthy operation on a slow link (the chaos run's +200 ms
    /// per chunk: about 1.2 s for a new connection and a SaveChanges) and on a starved machine (at load average 74 healthy
    /// operations passed 1.5 s and were answered 503), and below the gateway's shortest route timeout (5 s), so a hung
    /// database still answers 503 before the gateway gives up with 504.</summary>
    [Range(100, 600_000)] public int OperationTimeoutMs { get; set; } = 3_000;

    /// <summary>Failures in a row (timeouts, lost connections) that open the breaker; any answer from the server resets
    /// the count. A partition fails every operation in flight at once, one operation timeout after it began, so the
    /// first burst opens it; a starved machine, whose operations are slow but answered in between, rarely strings five
    /// together (the chaos run at load average 87 tripped three).</summary>
    [Range(1, 1000)] public int FailuresToOpen { get; set; } = 5;

    /// <summary>How long the breaker stays open before its probe tries the database again, and between tries (a
    /// <c>SELECT 1</c> of its own, bounded by <see cref="OperationTimeoutMs"/>: no customer request is the trial).</summary>
    [Range(500, 600_000)] public int BreakDurationMs { get; set; } = 2_000;
}
