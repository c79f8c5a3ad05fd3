using Dapr.Client;
using LedgerX.Transactions.Api.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.Transactions.Api.Infrastructure;

/// <summary>
/// Publishes committed events through Dapr pub/sub and marks them sent. An event is in the outbox if and only if its
/// transaction committed, so an event is published if and only if its change happened. Delivery is at least once:
/// a crash between publish and mark re-publishes, and consumers deduplicate on the CloudEvent id (= event id).
/// Failed publishes are retried forever with capped exponential backoff: accepted means eventually published.
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
        while (!stoppingToken.IsCancellationRequested)
        {
            int handled;
            try
            {
                handled = await RelayOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Outbox relay pass failed; retrying after the poll interval");
                handled = 0;
            }
            await SampleBacklogAsync(stoppingToken);
            // A full page means more is waiting: go again at once. Otherwise sleep until a commit or the poll interval.
            if (handled < _options.BatchSize)
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(_options.PollIntervalMs), stoppingToken);
            }
        }
    }

    /// <summary>One pass: claim due rows (skipping rows another replica holds), publish them, record the outcome.</summary>
    public async Task<int> RelayOnceAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var due = await ClaimDueAsync(connection, transaction, ct);
        if (due.Count == 0)
        {
            return 0;
        }

        var outcomes = new (long Sequence, string? Error)[due.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, due.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = ct },
            async (i, token) => outcomes[i] = (due[i].Sequence, await PublishAsync(due[i], token)));

        var sent = outcomes.Where(o => o.Error is null).Select(o => o.Sequence).ToArray();
        var failed = outcomes.Where(o => o.Error is not null).Select(o => (o.Sequence, Error: o.Error!)).ToArray();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE sequence = ANY($1)")
            {
                Parameters = { new NpgsqlParameter<long[]> { TypedValue = sent }, new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() } },
            });
            foreach (var (sequence, error) in failed)
            {
                var attempts = due.First(d => d.Sequence == sequence).Attempts + 1;
                batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE sequence = $1")
                {
                    Parameters =
                    {
                        new NpgsqlParameter<long> { TypedValue = sequence }, new NpgsqlParameter<int> { TypedValue = attempts },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() + Backoff(attempts) },
                        new NpgsqlParameter<string> { TypedValue = error[..Math.Min(error.Length, 2000)] },
                    },
                });
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        metrics.Published(sent.Length);
        return due.Count;
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
            SELECT o.sequence, o.topic, o.attempts, e.event_id, e.payload
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
            due.Add(new DueEvent(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetGuid(3), reader.GetString(4)));
        }
        return due;
    }

    private async Task<string?> PublishAsync(DueEvent due, CancellationToken ct)
    {
        try
        {
            // The payload goes out byte for byte as stored (and hashed); the sidecar wraps it in a CloudEvent whose id
            // is the event id, which is what every consumer deduplicates on.
            await dapr.PublishByteEventAsync(Components.PubSub, due.Topic, System.Text.Encoding.UTF8.GetBytes(due.Payload), "application/json",
                new Dictionary<string, string> { ["cloudevent.id"] = due.EventId.ToString(), ["cloudevent.type"] = due.Topic }, ct);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Expected while the sidecar or broker is down, and retried: a one-line warning, not a stack trace per attempt.
            metrics.PublishFailed();
            var reason = ex.GetBaseException().Message;
            logger.LogWarning("Publishing event {Sequence} ({Topic}) failed on attempt {Attempt}: {Reason}", due.Sequence, due.Topic, due.Attempts + 1, reason);
            return reason;
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

    private sealed record DueEvent(long Sequence, string Topic, int Attempts, Guid EventId, string Payload);
}
