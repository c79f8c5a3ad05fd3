using System.Diagnostics;
using System.Threading.Channels;
using LedgerX.Transactions.Api.Infrastructure;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>
/// The only path by which the ledger changes. Commands queue here and a single loop applies them in batches: each
/// batch is one database transaction (group commit) that locks the log head and the accounts involved, decides every
/// command in memory against that locked state, and writes all effects at once. Callers are answered only after the
/// commit, so whatever a client is told succeeded is durable; a refused command writes nothing.
/// </summary>
public sealed class LedgerWriter(
    NpgsqlDataSource database, TimeProvider clock, IOptions<LedgerOptions> options, OutboxSignal outboxSignal,
    LedgerMetrics metrics, ILogger<LedgerWriter> logger) : BackgroundService
{
    private const int MaxTransientRetries = 3;

    private readonly LedgerOptions _options = options.Value;
    private readonly Channel<PendingWrite> _queue = Channel.CreateBounded<PendingWrite>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Queues a command and waits for its outcome. Once queued the command is not cancelled with the caller:
    /// it may already be part of a committing batch, and its outcome must stay knowable (retry with the same key).</summary>
    public async Task<WriteResult> SubmitAsync(LedgerCommand command, IdempotencyRequest? idempotency, ResponseRenderer render, CancellationToken ct)
    {
        var pending = new PendingWrite(command, idempotency, render);
        await _queue.Writer.WriteAsync(pending, ct);
        return await pending.Completion.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingWrite>(_options.MaxBatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }
                await ApplyAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever is still queued was never applied; say so instead of leaving callers hanging.
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var queued))
            {
                batch.Add(queued);
            }
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(new LedgerUnavailableException("The ledger is shutting down; the command was not applied."));
            }
        }
    }

    /// <summary>Applies a batch, retrying transient database failures. If the batch fails for another reason, each
    /// command is retried alone, so one bad write cannot fail its neighbours.</summary>
    private async Task ApplyAsync(List<PendingWrite> batch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ApplyOnceAsync(batch, ct);
                return;
            }
            catch (CommitOutcomeUnknownException unknown)
            {
                // Never re-run a batch that may have committed: that could apply it twice. Callers learn the outcome is
                // unknown; a retry with the same Idempotency-Key then replays the stored answer if it did commit.
                logger.LogError(unknown.InnerException, "Ledger batch of {Count} may or may not have committed", batch.Count);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(new LedgerUnavailableException(
                        "The ledger lost its database connection while committing; the outcome is unknown. Retry with the same Idempotency-Key.", unknown));
                }
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException { IsTransient: true } or PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected }
                                       && attempt <= MaxTransientRetries && !ct.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Ledger batch of {Count} failed transiently (attempt {Attempt}); retrying", batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), clock, ct);
            }
            catch (Exception ex) when (batch.Count > 1 && ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Ledger batch of {Count} failed; applying its commands one by one", batch.Count);
                foreach (var single in batch)
                {
                    await ApplyAsync([single], ct);
                }
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Ledger command {Command} failed", batch[0].Command.GetType().Name);
                batch[0].Completion.TrySetException(new LedgerUnavailableException("The ledger could not apply the command.", ex));
                return;
            }
        }
    }

    private async Task ApplyOnceAsync(List<PendingWrite> batch, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var snapshot = await LedgerStore.LoadAsync(connection, transaction,
            batch.SelectMany(w => w.Command.Accounts).Select(a => a.Value).Distinct().ToArray(),
            batch.SelectMany(w => w.Command.WorldCurrencies).Select(c => c.Code).Distinct().ToArray(),
            batch.SelectMany(w => w.Command.Holds).Select(h => h.Value).Distinct().ToArray(),
            batch.SelectMany(w => w.Command.Entries).Select(e => e.Value).Distinct().ToArray(),
            batch.Where(w => w.Idempotency is not null).Select(w => w.Idempotency!.Key).Distinct().ToArray(), ct);

        var state = new LedgerState(snapshot.HeadSequence);
        foreach (var account in snapshot.Accounts) { state.Load(account); }
        foreach (var hold in snapshot.Holds) { state.Load(hold); }
        foreach (var entry in snapshot.Entries) { state.Load(entry); }
        var ledger = new Domain.Ledger(state, clock);
        var now = clock.GetUtcNow();

        var outcomes = new WriteResult[batch.Count];
        var appended = new List<LedgerEvent>();
        var idempotencyWrites = new List<IdempotencyWrite>();
        var firstWithKey = new Dictionary<IdempotencyKey, int>();
        var duplicates = new List<(int Index, int First)>();
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            if (write.Idempotency is { } key)
            {
                if (snapshot.Idempotency.TryGetValue(key.Key, out var stored) && stored.ExpiresAt > now)
                {
                    outcomes[i] = stored.RequestHash.AsSpan().SequenceEqual(key.RequestHash)
                        ? new WriteResult.Applied(stored.Response, Replayed: true)
                        : KeyReused(key.Key);
                    continue;
                }
                if (firstWithKey.TryGetValue(key.Key, out var first))
                {
                    duplicates.Add((i, first));
                    continue;
                }
                firstWithKey[key.Key] = i;
            }
            try
            {
                var events = ledger.Execute(write.Command);
                appended.AddRange(events);
                var response = write.Render(state, events);
                outcomes[i] = new WriteResult.Applied(response, Replayed: false);
                if (write.Idempotency is { } applied)
                {
                    idempotencyWrites.Add(new IdempotencyWrite(applied.Key, applied.RequestHash, response));
                }
            }
            catch (LedgerRuleException refused)
            {
                outcomes[i] = new WriteResult.Refused(refused.Error);
            }
        }
        // Retries of the same request that arrived in the same batch get the first one's answer.
        foreach (var (index, first) in duplicates)
        {
            outcomes[index] = !batch[index].Idempotency!.RequestHash.AsSpan().SequenceEqual(batch[first].Idempotency!.RequestHash)
                ? KeyReused(batch[index].Idempotency!.Key)
                : outcomes[first] is WriteResult.Applied applied ? applied with { Replayed = true } : outcomes[first];
        }

        await LedgerStore.WriteAsync(connection, transaction, state, appended, snapshot.HeadHash, idempotencyWrites,
            now, TimeSpan.FromHours(_options.IdempotencyRetentionHours), ct);
        await CommitAsync(transaction, appended, ct);

        metrics.BatchApplied(batch.Count, appended, Stopwatch.GetElapsedTime(started));
        if (appended.Count > 0)
        {
            outboxSignal.Notify();
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(outcomes[i]);
        }
    }

    /// <summary>
    /// Commits, and if the commit itself fails, finds out from the database whether it happened: a connection that breaks
    /// during COMMIT leaves the outcome unknown, and retrying a batch that did commit would apply it twice. The batch's
    /// last event is the witness. A batch without events wrote at most idempotency upserts, which are safe to repeat.
    /// </summary>
    private async Task CommitAsync(NpgsqlTransaction transaction, List<LedgerEvent> appended, CancellationToken ct)
    {
        try
        {
            await transaction.CommitAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && appended.Count > 0)
        {
            bool committed;
            try
            {
                await using var check = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM event_log WHERE event_id = $1)");
                check.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = appended[^1].EventId });
                committed = (bool)(await check.ExecuteScalarAsync(ct))!;
            }
            catch (Exception checkFailed) when (checkFailed is not OperationCanceledException)
            {
                throw new CommitOutcomeUnknownException(ex);
            }
            if (!committed)
            {
                throw;
            }
            logger.LogWarning(ex, "Ledger commit reported a failure but its events are in the log; the batch did commit");
        }
    }

    private static WriteResult.Refused KeyReused(IdempotencyKey key) => new(new LedgerError(LedgerErrorKind.RuleViolation, "idempotency_key_reused",
        $"Idempotency-Key '{key}' was already used with a different request.", "Idempotency-Key"));

    private sealed class PendingWrite(LedgerCommand command, IdempotencyRequest? idempotency, ResponseRenderer render)
    {
        public LedgerCommand Command { get; } = command;
        public IdempotencyRequest? Idempotency { get; } = idempotency;
        public ResponseRenderer Render { get; } = render;
        public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A commit failed and the database could not be asked whether it happened.</summary>
internal sealed class CommitOutcomeUnknownException(Exception inner) : Exception("The commit's outcome is unknown.", inner);

/// <summary>The ledger could not apply a command for a reason that is not the client's (503).</summary>
public sealed class LedgerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
