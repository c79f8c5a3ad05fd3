using LedgerX.ServiceDefaults.Telemetry;
using System.Text;
using Dapr.Client;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.ServiceDefaults.Audit;

/// <summary>
/// Publishes a service's audit events from its <c>audit_outbox</c> to <see cref="AuditTopics.Recorded"/>, oldest
/// first, and marks them published. An event is in the outbox if and only if its action committed, so it is published
/// if and only if the action happened; delivery is at least once (a crash between publish and mark publishes again) and
/// the audit log deduplicates on the CloudEvent id, which is the event id. Claimed rows are locked (SKIP LOCKED), so
/// replicas share the work. A refused publish is retried with capped exponential backoff; while the sidecar cannot be
/// reached at all, the relay pauses as a whole instead of failing every event. Published rows are deleted after
/// <see cref="AuditOutboxOptions.RetentionDays"/>.
/// </summary>
public sealed class AuditOutboxRelay<TDbContext>(
    IServiceScopeFactory scopes, DaprClient dapr, AuditOutboxSignal signal, TimeProvider clock, IOptions<AuditOutboxOptions> options,
    AuditOutboxMetrics metrics, ILogger<AuditOutboxRelay<TDbContext>> logger) : BackgroundService
    where TDbContext : DbContext
{
    private static readonly TimeSpan BacklogSampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>Rows deleted per statement, so a cleanup after a long outage never holds one huge delete.</summary>
    private const int CleanupChunk = 5000;

    private readonly AuditOutboxOptions _options = options.Value;
    private long _lastBacklogSample;
    private DateTimeOffset _nextCleanup = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sidecarFailures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var pass = AuditRelayPass.Idle;
            try
            {
                pass = await RelayOnceAsync(stoppingToken);
                await SampleBacklogAsync(stoppingToken);
                await CleanUpIfDueAsync(stoppingToken);
            }
            // Anything but this host stopping, a timeout\'s OperationCanceledException included (a stalled database or
            // sidecar): an escaped exception would end the loop for good and stop the host.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Audit outbox relay pass failed; retrying after the poll interval");
            }

            if (pass.SidecarUnreachable)
            {
                var pause = Backoff(++sidecarFailures);
                logger.LogWarning("Dapr sidecar unreachable ({Reason}); audit outbox relay pauses {PauseMs} ms", pass.Error, (int)pause.TotalMilliseconds);
                await Task.Delay(pause, clock, stoppingToken);
                continue;
            }
            sidecarFailures = 0;
            // A full page means more is waiting: go again at once. Otherwise sleep until a commit or the poll interval.
            if (pass.Claimed < _options.BatchSize)
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(_options.PollIntervalMs), stoppingToken);
            }
        }
    }

    /// <summary>One pass: claim due rows in enqueue order (skipping rows another replica holds), publish them one after
    /// the other, record each outcome. When the sidecar cannot be reached, the rest of the page stays due untouched.</summary>
    public async Task<AuditRelayPass> RelayOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var npgsqlTransaction = (NpgsqlTransaction)transaction.GetDbTransaction();

        var due = await ClaimDueAsync(connection, npgsqlTransaction, ct);
        if (due.Count == 0)
        {
            return AuditRelayPass.Idle;
        }

        var published = new List<Guid>(due.Count);
        string? unreachable = null;
        await using var batch = new NpgsqlBatch(connection, npgsqlTransaction);
        foreach (var row in due)
        {
            var outcome = await PublishAsync(row, ct);
            if (outcome.SidecarUnreachable)
            {
                unreachable = outcome.Error;
                break;
            }
            if (outcome.Error is null)
            {
                published.Add(row.EventId);
                continue;
            }
            var attempts = row.Attempts + 1;
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {AuditOutbox.Table} SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE event_id = $1")
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid> { TypedValue = row.EventId }, new NpgsqlParameter<int> { TypedValue = attempts },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() + Backoff(attempts) },
                    new NpgsqlParameter<string> { TypedValue = outcome.Error[..Math.Min(outcome.Error.Length, AuditOutbox.MaxErrorLength)] },
                },
            });
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"UPDATE {AuditOutbox.Table} SET published_at = $2, attempts = attempts + 1, last_error = NULL WHERE event_id = ANY($1)")
        {
            Parameters = { new NpgsqlParameter<Guid[]> { TypedValue = [.. published] }, new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() } },
        });
        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        metrics.Published(published.Count);
        return new AuditRelayPass(due.Count, published.Count, unreachable is not null, unreachable);
    }

    /// <summary>Deletes published rows older than the retention, at most once per cleanup interval. Returns the count.</summary>
    public async Task<int> CleanUpAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        var cutoff = clock.GetUtcNow().AddDays(-_options.RetentionDays);
        var deleted = 0;
        int chunk;
        do
        {
            chunk = await db.Database.ExecuteSqlAsync(
                $"DELETE FROM audit_outbox WHERE event_id IN (SELECT event_id FROM audit_outbox WHERE published_at < {cutoff} LIMIT {CleanupChunk})", ct);
            deleted += chunk;
        }
        while (chunk == CleanupChunk);
        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Count} audit outbox rows published before {Cutoff}", deleted, cutoff);
        }
        return deleted;
    }

    private async Task CleanUpIfDueAsync(CancellationToken ct)
    {
        if (clock.GetUtcNow() < _nextCleanup)
        {
            return;
        }
        _nextCleanup = clock.GetUtcNow().AddMinutes(_options.CleanupIntervalMinutes);
        await CleanUpAsync(ct);
    }

    private async Task SampleBacklogAsync(CancellationToken ct)
    {
        if (clock.GetElapsedTime(_lastBacklogSample) < BacklogSampleInterval)
        {
            return;
        }
        _lastBacklogSample = clock.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        var pending = await db.Database.SqlQuery<long>($"SELECT count(*) AS \"Value\" FROM audit_outbox WHERE published_at IS NULL").SingleAsync(ct);
        metrics.Backlog(pending);
    }

    private async Task<List<DueAuditEvent>> ClaimDueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT event_id, payload::text, attempts, trace_parent, trace_state FROM {AuditOutbox.Table}
            WHERE published_at IS NULL AND next_attempt_at <= $1
            ORDER BY enqueued_at, event_id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
            """, connection, transaction)
        {
            Parameters = { new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() }, new NpgsqlParameter<int> { TypedValue = _options.BatchSize } },
        };
        var due = new List<DueAuditEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var trace = new OutboxTrace(reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4));
            due.Add(new DueAuditEvent(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), trace));
        }
        return due;
    }

    private async Task<PublishOutcome> PublishAsync(DueAuditEvent row, CancellationToken ct)
    {
        // Under the audited action's trace (ADR 0023), so the audit log's consumer span joins it.
        using var span = row.Trace.StartPublish(AuditTopics.Recorded, row.EventId);
        try
        {
            // The payload goes out as stored; the sidecar wraps it in a CloudEvent whose id is the event id.
            await dapr.PublishByteEventAsync(AuditOutbox.PubSubComponent, AuditTopics.Recorded, Encoding.UTF8.GetBytes(row.Payload), "application/json",
                new Dictionary<string, string> { ["cloudevent.id"] = row.EventId.ToString(), ["cloudevent.type"] = AuditTopics.Recorded }, ct);
            return PublishOutcome.Sent;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.PublishFailed();
            var reason = ex.GetBaseException().Message;
            var unreachable = ex.InnerException is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded };
            if (!unreachable)
            {
                // The sidecar answered but refused this event (broker down, topic not allowed): retried on its own backoff.
                logger.LogWarning("Publishing audit event {EventId} failed on attempt {Attempt}: {Reason}", row.EventId, row.Attempts + 1, reason);
            }
            return new PublishOutcome(reason, unreachable);
        }
    }

    /// <summary>Exponential from BackoffBaseMs, capped at BackoffMaxMs, with up to 20 % jitter so replicas that failed
    /// together do not retry together.</summary>
    private TimeSpan Backoff(int attempts)
    {
        var exponential = _options.BackoffBaseMs * Math.Pow(2, Math.Min(attempts - 1, 20));
        return TimeSpan.FromMilliseconds(Math.Min(exponential, _options.BackoffMaxMs) * (1 + (Random.Shared.NextDouble() * 0.2)));
    }

    private sealed record DueAuditEvent(Guid EventId, string Payload, int Attempts, OutboxTrace Trace);

    private sealed record PublishOutcome(string? Error, bool SidecarUnreachable)
    {
        public static readonly PublishOutcome Sent = new(null, false);
    }
}

/// <summary>What one relay pass did: rows claimed, rows published, and whether the sidecar could not be reached.</summary>
public sealed record AuditRelayPass(int Claimed, int Published, bool SidecarUnreachable, string? Error)
{
    public static readonly AuditRelayPass Idle = new(0, 0, false, null);
}
