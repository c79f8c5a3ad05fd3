using Dapr.Client;
using Grpc.Core;
using LedgerX.ServiceDefaults.Telemetry;
using LedgerX.Transactions.Api.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.Transactions.Api.Infrastructure;

/// <summary>
/// Publishes committed events through Dapr pub/sub and marks them sent. An event is in the outbox if and only if its
/// transaction committed, so an event is published if and only if its change happened. Delivery is at least once:
/// a crash between publish and mark re-publishes, and consumers deduplicate on the CloudEvent id (= event id).
/// Failed publishes are retried forever with capped exponential backoff: accepted means eventually published. While the
/// sidecar is unreachable the relay pauses as a whole instead of failing every event separately.
/// </summary>
public sealed class OutboxRelay(
    NpgsqlDataSource database, DaprClient dapr, OutboxSignal signal, TimeProvider clock, IOptions<OutboxOptions> options,
    LedgerMetrics metrics, ILogger<OutboxRelay> logger) : BackgroundService
{
    private static readonly TimeSpan BacklogSampleInterval = TimeSpan.FromSeconds(1);
    private readonly OutboxOptions _options = options.Value;
    private long _lastBacklogSample;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sidecarFailures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var pass = RelayPass.Idle;
            try
            {
                pass = await RelayOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Outbox relay pass failed; retrying after the poll interval");
            }
            await SampleBacklogAsync(stoppingToken);

            if (pass.SidecarUnreachable)
            {
                // Pause the whole relay rather than fail every event one by one: commits keep queueing events
                // meanwhile, and nothing is lost. The pause grows while the sidecar stays away.
                var pause = Backoff(++sidecarFailures);
                logger.LogWarning("Dapr sidecar unreachable ({Reason}); outbox relay pauses {PauseMs} ms", pass.Error, (int)pause.TotalMilliseconds);
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

    /// <summary>One pass: claim due rows (skipping rows another replica holds), publish them, record the outcome.
    /// When the sidecar itself cannot be reached, the publishes still in flight are abandoned: only the events that
    /// actually failed count an attempt, the others stay due.</summary>
    public async Task<RelayPass> RelayOnceAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var due = await ClaimDueAsync(connection, transaction, ct);
        if (due.Count == 0)
        {
            return RelayPass.Idle;
        }

        using var sidecarDown = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var outcomes = new PublishOutcome?[due.Count];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, due.Count),
                new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = sidecarDown.Token },
                async (i, token) =>
                {
                    outcomes[i] = await PublishAsync(due[i], token);
                    if (outcomes[i]!.SidecarUnreachable)
                    {
                        await sidecarDown.CancelAsync();
                    }
                });
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The sidecar went away mid-pass; what was not published stays due.
        }

        var sent = due.Where((_, i) => outcomes[i] is { Error: null }).Select(d => d.Sequence).ToArray();
        var failed = due.Select((d, i) => (Due: d, Outcome: outcomes[i])).Where(x => x.Outcome is { Error: not null }).ToList();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE sequence = ANY($1)")
            {
                Parameters = { new NpgsqlParameter<long[]> { TypedValue = sent }, new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() } },
            });
            foreach (var (d, outcome) in failed)
            {
                var attempts = d.Attempts + 1;
                var error = outcome!.Error!;
                batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE sequence = $1")
                {
                    Parameters =
                    {
                        new NpgsqlParameter<long> { TypedValue = d.Sequence }, new NpgsqlParameter<int> { TypedValue = attempts },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() + Backoff(attempts) },
                        new NpgsqlParameter<string> { TypedValue = error[..Math.Min(error.Length, 2000)] },
                    },
                });
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        metrics.Published(sent.Length);
        var unreachable = failed.FirstOrDefault(f => f.Outcome!.SidecarUnreachable).Outcome;
        return new RelayPass(due.Count, unreachable is not null, unreachable?.Error);
    }

    /// <summary>Feeds the outbox lag metrics, at most once a second so a busy relay does not query for them on every pass.</summary>
    private async Task SampleBacklogAsync(CancellationToken ct)
    {
        if (clock.GetElapsedTime(Interlocked.Read(ref _lastBacklogSample)) < BacklogSampleInterval)
        {
            return;
        }
        Interlocked.Exchange(ref _lastBacklogSample, clock.GetTimestamp());
        try
        {
            await using var command = database.CreateCommand(
                "SELECT count(*), coalesce(max(now() - e.occurred_at), interval '0') FROM outbox o JOIN event_log e ON e.sequence = o.sequence WHERE o.sent_at IS NULL");
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            metrics.OutboxBacklog(reader.GetInt64(0), reader.GetFieldValue<TimeSpan>(1));
        }
        catch (NpgsqlException ex)
        {
            logger.LogWarning("Could not sample the outbox backlog: {Reason}", ex.Message);
        }
    }

    private async Task<List<DueEvent>> ClaimDueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT o.sequence, o.topic, o.attempts, e.event_id, e.payload, o.trace_parent, o.trace_state
            FROM outbox o JOIN event_log e ON e.sequence = o.sequence
            WHERE o.sent_at IS NULL AND o.next_attempt_at <= $1
            ORDER BY o.sequence
            LIMIT $2
            FOR UPDATE OF o SKIP LOCKED
            """, connection, transaction)
        {
            Parameters = { new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() }, new NpgsqlParameter<int> { TypedValue = _options.BatchSize } },
        };
        var due = new List<DueEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var trace = new OutboxTrace(reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6));
            due.Add(new DueEvent(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetGuid(3), reader.GetString(4), trace));
        }
        return due;
    }

    private async Task<PublishOutcome> PublishAsync(DueEvent due, CancellationToken ct)
    {
        // Under the trace of the request that caused the event (ADR 0023): the publish call carries it to the sidecar,
        // which puts it in the CloudEvent, so every consumer continues that trace.
        using var span = due.Trace.StartPublish(due.Topic, due.EventId);
        try
        {
            // The payload goes out byte for byte as stored (and hashed); the sidecar wraps it in a CloudEvent whose id
            // is the event id, which is what every consumer deduplicates on.
            await dapr.PublishByteEventAsync(Components.PubSub, due.Topic, System.Text.Encoding.UTF8.GetBytes(due.Payload), "application/json",
                new Dictionary<string, string> { ["cloudevent.id"] = due.EventId.ToString(), ["cloudevent.type"] = due.Topic }, ct);
            return PublishOutcome.Sent;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.PublishFailed();
            var reason = ex.GetBaseException().Message;
            var unreachable = ex.InnerException is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded };
            if (!unreachable)
            {
                // The sidecar answered but refused this event (e.g. the broker is down or the topic is not allowed):
                // retried with its own backoff, one line per attempt.
                logger.LogWarning("Publishing event {Sequence} ({Topic}) failed on attempt {Attempt}: {Reason}", due.Sequence, due.Topic, due.Attempts + 1, reason);
            }
            return new PublishOutcome(reason, unreachable);
        }
    }

    /// <summary>Exponential backoff from BackoffBaseMs, capped at BackoffMaxMs, with up to 20 % jitter so replicas
    /// that failed together do not retry together.</summary>
    private TimeSpan Backoff(int attempts)
    {
        var exponential = _options.BackoffBaseMs * Math.Pow(2, Math.Min(attempts - 1, 20));
        var capped = Math.Min(exponential, _options.BackoffMaxMs);
        return TimeSpan.FromMilliseconds(capped * (1 + (Random.Shared.NextDouble() * 0.2)));
    }

    private sealed record DueEvent(long Sequence, string Topic, int Attempts, Guid EventId, string Payload, OutboxTrace Trace);

    private sealed record PublishOutcome(string? Error, bool SidecarUnreachable)
    {
        public static readonly PublishOutcome Sent = new(null, false);
    }
}

/// <summary>What one relay pass did: how many events it claimed, and whether the sidecar could not be reached.</summary>
public sealed record RelayPass(int Claimed, bool SidecarUnreachable, string? Error)
{
    public static readonly RelayPass Idle = new(0, false, null);
}
