using System.Diagnostics;
using System.Threading.Channels;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Telemetry;
using LedgerX.Transactions.Api.Access;
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
    NpgsqlDataSource database, TimeProvider clock, IOptions<LedgerOptions> options, IOptions<LedgerDatabaseOptions> databaseOptions,
    OutboxSignal outboxSignal, AuditOutboxSignal auditSignal, LedgerMetrics metrics, ILogger<LedgerWriter> logger) : BackgroundService
{
    private const int MaxTransientRetries = 3;

    private readonly LedgerOptions _options = options.Value;
    private readonly LedgerDatabaseOptions _timeouts = databaseOptions.Value;
    private readonly Channel<PendingWrite> _queue = Channel.CreateBounded<PendingWrite>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Queues a command and waits for its outcome. Once queued the command is not cancelled with the caller:
    /// it may already be part of a committing batch, and its outcome must stay knowable (retry with the same key).
    /// <paramref name="audit"/>, for a privileged action, is written to the audit outbox in the batch's transaction if
    /// and only if the command is applied and changes the ledger (not when it is refused or changes nothing, nor when a
    /// retry replays it). <paramref name="caller"/>, for a client's request, is held to <see cref="CommandAccess"/> against
    /// the batch's locked state; the service's own steps (the reversal saga, maintenance) pass none. <paramref name="onApplied"/>
    /// adds a statement of the caller's to the batch's transaction when, and only when, the command is applied (see
    /// <see cref="AppliedStatement"/>).</summary>
    public async Task<WriteResult> SubmitAsync(
        LedgerCommand command, IdempotencyRequest? idempotency, ResponseRenderer render, CancellationToken ct, AuditRecorded? audit = null,
        LedgerCaller? caller = null, AppliedStatement? onApplied = null)
    {
        // The command's span, from queueing to its batch's commit, in the request's trace: a batch serves many requests,
        // so its own span can only link them. Its context goes into the command's outbox rows (ADR 0023).
        using var span = LedgerMetrics.ActivitySource.StartActivity($"ledger.write {command.GetType().Name}");
        var pending = new PendingWrite(command, idempotency, render, audit, caller, OutboxTrace.Current, onApplied);
        try
        {
            await _queue.Writer.WriteAsync(pending, ct);
        }
        catch (ChannelClosedException)
        {
            throw ShuttingDown();
        }
        return await pending.Completion.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The batches still being applied: with pipelining, the one writing or committing and the next, waiting on the
        // server for the log head (and, rarely, an older one retrying). Stopping waits for all of them.
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested && await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                var batch = new BatchInHand(_options.MaxBatchSize);
                while (batch.Writes.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var next))
                {
                    batch.Writes.Add(next);
                }
                var applying = RunAsync(batch, stoppingToken);
                running.RemoveAll(task => task.IsCompleted);
                running.Add(applying);
                // Pipelining (ADR 0020): the next batch is formed as soon as this one holds the log head and has decided,
                // and its load goes out at once. The server holds that load at the head lock until this batch commits or
                // rolls back, then runs it against whatever this batch really left: the same hand-over as between two
                // replicas' writers, so the next batch never decides on an outcome that is not yet known.
                await (_options.Pipelining ? Task.WhenAny(batch.Decided, applying) : applying);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping while waiting for work: whatever is in hand is finished below.
        }
        finally
        {
            // RunAsync answers every caller itself and does not throw.
            await Task.WhenAll(running);
            // Whatever is still queued was never applied, and now never will be: say so rather than leave callers hanging.
            _queue.Writer.TryComplete();
            var drained = 0;
            while (_queue.Reader.TryRead(out var queued))
            {
                queued.Completion.TrySetException(ShuttingDown());
                drained++;
            }
            if (drained > 0)
            {
                logger.LogWarning("Ledger writer stopped; {Count} queued commands were answered 503 ledger_shutting_down, none applied", drained);
            }
        }
    }

    /// <summary>
    /// Applies one batch. It is not cancelled with the host once it has decided: it may be committing, and its callers
    /// must learn what really happened, so at shutdown it gets a bounded grace and stopping waits for it. A batch that has
    /// not decided yet (its load still waits for the batch before it to commit) is abandoned at once: nothing of it was
    /// applied, and its callers are answered 503 <c>ledger_shutting_down</c> like the queued ones.
    /// </summary>
    private async Task RunAsync(BatchInHand batch, CancellationToken stoppingToken)
    {
        try
        {
            using var inFlight = new CancellationTokenSource(Timeout.InfiniteTimeSpan, clock);
            await using (stoppingToken.Register(() =>
                         {
                             if (batch.Decided.IsCompleted)
                             {
                                 inFlight.CancelAfter(TimeSpan.FromMilliseconds(_options.ShutdownGraceMs));
                             }
                             else
                             {
                                 inFlight.Cancel();
                             }
                         }))
            {
                await ApplyAsync(batch.Writes, batch, inFlight.Token);
            }
        }
        catch (Exception ex)
        {
            // ApplyAsync answers every outcome itself; this is the last guard against a caller left waiting.
            logger.LogError(ex, "Ledger batch of {Count} failed unexpectedly", batch.Writes.Count);
            Fail(batch.Writes, new LedgerUnavailableException(LedgerUnavailableException.Unavailable, "The ledger could not apply the command.", ex));
        }
        finally
        {
            batch.MarkDecided();
        }
    }

    /// <summary>Applies a batch, retrying transient database failures. If the batch fails for another reason, each
    /// command is retried alone, so one bad write cannot fail its neighbours. Cancellation (the shutdown grace ran out)
    /// can only strike before COMMIT is sent, so it means the batch was not applied.</summary>
    private async Task ApplyAsync(List<PendingWrite> batch, BatchInHand hand, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ApplyOnceAsync(batch, hand, ct);
                return;
            }
            catch (CommitOutcomeUnknownException unknown)
            {
                // Never re-run a batch that may have committed: that could apply it twice. Callers learn the outcome is
                // unknown; a retry with the same Idempotency-Key then replays the stored answer if it did commit.
                logger.LogError(unknown.InnerException, "Ledger batch of {Count} may or may not have committed", batch.Count);
                Fail(batch, new LedgerUnavailableException(LedgerUnavailableException.OutcomeUnknown,
                    "The ledger lost its database connection while committing and could not learn the outcome. Retry with the same Idempotency-Key.", unknown));
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                logger.LogWarning("Ledger batch of {Count} was not applied: the writer stopped before it could commit", batch.Count);
                Fail(batch, ShuttingDown());
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && attempt <= MaxTransientRetries)
            {
                logger.LogWarning(ex, "Ledger batch of {Count} failed transiently (attempt {Attempt}); retrying", batch.Count, attempt);
            }
            catch (Exception ex) when (batch.Count > 1)
            {
                logger.LogError(ex, "Ledger batch of {Count} failed; applying its commands one by one", batch.Count);
                foreach (var single in batch)
                {
                    await ApplyAsync([single], hand, ct);
                }
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Ledger command {Command} failed", batch[0].Command.GetType().Name);
                Fail(batch, new LedgerUnavailableException(LedgerUnavailableException.Unavailable, "The ledger could not apply the command.", ex));
                return;
            }
            // Only a transient failure gets here. The pause is outside the catch so that a shutdown during it is
            // answered like one before the commit: not applied.
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), clock, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Fail(batch, ShuttingDown());
                return;
            }
        }
    }

    private static void Fail(List<PendingWrite> batch, Exception reason)
    {
        foreach (var pending in batch)
        {
            pending.Completion.TrySetException(reason);
        }
    }

    /// <summary>Failures worth the same batch again: a lost connection, and the conflicts and lock timeouts another
    /// writer can cause (a replica whose transaction the server has to end first).</summary>
    private static bool IsTransient(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } or CommitAbortedException
            or PostgresException
            {
                SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable
                    // The server ended this session (its idle-in-transaction timeout, an administrator, a restart) before
                    // COMMIT: nothing of the batch survived, and a new connection may well work. (25P03 is idle_in_transaction_session_timeout.)
                    or "25P03" or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            };

    private static LedgerUnavailableException ShuttingDown() =>
        new(LedgerUnavailableException.ShuttingDownCode, "The ledger is shutting down; the command was not applied. Retry it (another replica may take it).");

    private async Task ApplyOnceAsync(List<PendingWrite> batch, BatchInHand hand, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = StartBatchSpan(batch);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var snapshot = await LedgerStore.LoadAsync(connection, transaction, _timeouts,
            batch.SelectMany(w => w.Command.Accounts).Select(a => a.Value).Distinct().ToArray(),
            batch.SelectMany(w => w.Command.WorldCurrencies).Select(c => c.Code).Distinct().ToArray(),
            batch.SelectMany(w => w.Command.Holds).Select(h => h.Value).Distinct().ToArray(),
            batch.SelectMany(w => w.Command.Entries).Select(e => e.Value).Distinct().ToArray(),
            batch.Where(w => w.Idempotency is not null).Select(w => w.Idempotency!.Key).Distinct().ToArray(), ct);

        var state = new LedgerState(snapshot.HeadSequence);
        foreach (var account in snapshot.Accounts) { state.Load(account); }
        foreach (var hold in snapshot.Holds) { state.Load(hold); }
        foreach (var entry in snapshot.Entries) { state.Load(entry); }
        var balancesBefore = LedgerInvariants.Balances(state.Accounts);
        var ledger = new Domain.Ledger(state, clock);
        var now = clock.GetUtcNow();

        var outcomes = new WriteResult[batch.Count];
        var appended = new List<LedgerEvent>();
        var appendedTraces = new List<OutboxTrace>();
        var idempotencyWrites = new List<IdempotencyWrite>();
        var audits = new List<(AuditRecorded, OutboxTrace)>();
        var appliedStatements = new List<NpgsqlBatchCommand>();
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
                if (write.Caller is { } caller)
                {
                    CommandAccess.Check(ledger, write.Command, caller);
                }
                var events = ledger.Execute(write.Command);
                appended.AddRange(events);
                appendedTraces.AddRange(Enumerable.Repeat(write.Trace, events.Count));
                var response = write.Render(state, events);
                outcomes[i] = new WriteResult.Applied(response, Replayed: false);
                if (write.Idempotency is { } applied)
                {
                    idempotencyWrites.Add(new IdempotencyWrite(applied.Key, applied.RequestHash, response));
                }
                // A command that changed nothing (freezing a frozen account) did no privileged action to audit.
                if (write.Audit is { } audit && events.Count > 0)
                {
                    audits.Add((audit, write.Trace));
                }
                if (write.OnApplied is { } statement)
                {
                    appliedStatements.Add(statement(response, now));
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

        // Never commit a batch that creates or destroys money, whatever the decider let through; failing it makes the
        // loop retry its commands one by one, so the command at fault fails alone.
        var drift = LedgerInvariants.CurrencyDrift(balancesBefore, state.ChangedAccounts);
        if (drift.Count > 0)
        {
            throw new LedgerInvariantException(
                $"The batch would leave currencies unbalanced ({string.Join(", ", drift.Select(d => $"{d.Key.Code} {d.Value:+#;-#}"))}); it was not committed.");
        }

        // Past this point the batch is not cancelled: the shutdown grace may cut it short only before it is sent.
        ct.ThrowIfCancellationRequested();
        // Decided, and holding the log head: the next batch may now be formed and sent to wait for it (pipelining).
        hand.MarkDecided();
        await WriteAndCommitAsync(connection.ProcessID, snapshot.TransactionId, () => LedgerStore.WriteAndCommitAsync(connection, transaction, state,
            appended, appendedTraces, snapshot.HeadHash, idempotencyWrites, audits, now, TimeSpan.FromHours(_options.IdempotencyRetentionHours),
            appliedStatements));

        metrics.BatchApplied(batch.Count, appended, Stopwatch.GetElapsedTime(started));
        if (appended.Count > 0)
        {
            outboxSignal.Notify();
        }
        if (audits.Count > 0)
        {
            auditSignal.Notify();
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(outcomes[i]);
        }
    }

    /// <summary>
    /// Writes and commits (one round trip, <see cref="LedgerStore.WriteAndCommitAsync"/>). A server ERROR from any statement
    /// of it means the transaction did not commit, and normal handling applies (a transient one is retried, another makes
    /// the commands run one by one). Any other failure (the connection broke, the session was ended, no answer in time)
    /// leaves the outcome open, so the writer asks the database what became of this very transaction (by its id,
    /// <c>pg_xact_status</c>) rather than looking for its rows from another connection, which cannot see them while the
    /// COMMIT is still in flight: retrying a batch that then commits would apply it twice.
    /// </summary>
    private async Task WriteAndCommitAsync(int processId, ulong transactionId, Func<Task> writeAndCommit)
    {
        try
        {
            await writeAndCommit();
        }
        catch (PostgresException answered) when (answered.InvariantSeverity == "ERROR")
        {
            // The server answered: a failed write skips the rest of the batch, COMMIT included (the transaction is then
            // rolled back when it is disposed), and a failed COMMIT rolls back. PostgreSQL never reports an ERROR for a
            // transaction whose commit record was written.
            throw;
        }
        catch (Exception ex)
        {
            var status = await CommitOutcomeAsync(processId, transactionId, ex);
            if (status != "committed")
            {
                // Not an answer from the server but a lost or ended session: the batch is known not to have committed
                // ("aborted"), so running it again is safe.
                throw new CommitAbortedException(ex);
            }
            logger.LogWarning(ex, "Ledger COMMIT of transaction {TransactionId} reported a failure, but the transaction committed", transactionId);
        }
    }

    /// <summary>
    /// "committed" or "aborted", asked again while the transaction is still in progress (its COMMIT may be waiting on
    /// the disk or a lock), and while the database cannot be reached, for up to <see cref="LedgerOptions.CommitOutcomeTimeoutMs"/>.
    /// Half way, a backend still running it is ended: its client is gone, and once ended it has committed or aborted.
    /// Throws <see cref="CommitOutcomeUnknownException"/> when the time runs out.
    /// </summary>
    private async Task<string> CommitOutcomeAsync(int processId, ulong transactionId, Exception commitFailure)
    {
        var started = clock.GetTimestamp();
        var limit = TimeSpan.FromMilliseconds(_options.CommitOutcomeTimeoutMs);
        var terminated = false;
        for (var attempt = 1; clock.GetElapsedTime(started) < limit; attempt++)
        {
            var elapsed = clock.GetElapsedTime(started);
            using var bound = new CancellationTokenSource(limit - elapsed, clock);
            string? status;
            try
            {
                status = await LedgerStore.TransactionStatusAsync(database, transactionId, bound.Token);
                if (status == "in progress" && !terminated && elapsed >= limit / 2)
                {
                    terminated = true;
                    var ended = await LedgerStore.TerminateAsync(database, processId, transactionId, bound.Token);
                    logger.LogWarning("Ledger transaction {TransactionId} was still in progress after its COMMIT failed; ended its backend {ProcessId}: {Ended}",
                        transactionId, processId, ended);
                }
            }
            catch (Exception askFailed)
            {
                logger.LogWarning(askFailed, "Could not ask whether ledger transaction {TransactionId} committed (attempt {Attempt})", transactionId, attempt);
                status = "in progress";
            }
            if (status is "committed" or "aborted")
            {
                return status;
            }
            if (status is null)
            {
                break;
            }
            var remaining = limit - clock.GetElapsedTime(started);
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50 * attempt, Math.Min(500, remaining.TotalMilliseconds))), clock);
            }
        }
        throw new CommitOutcomeUnknownException(commitFailure);
    }

    /// <summary>The batch's span: a trace of its own (its Npgsql spans go under it), linked to every command's span.</summary>
    private static Activity? StartBatchSpan(List<PendingWrite> batch)
    {
        var links = batch.Select(w => w.Trace.TraceParent is { } parent && ActivityContext.TryParse(parent, w.Trace.TraceState, out var context)
            ? new ActivityLink(context)
            : default).Where(link => link.Context != default).ToList();
        var span = LedgerMetrics.ActivitySource.StartActivity(ActivityKind.Internal, parentContext: default, links: links, name: "ledger.batch");
        span?.SetTag("ledgerx.ledger.batch_size", batch.Count);
        return span;
    }

    private static WriteResult.Refused KeyReused(IdempotencyKey key) => new(new LedgerError(LedgerErrorKind.RuleViolation, "idempotency_key_reused",
        $"Idempotency-Key '{key}' was already used with a different request.", "Idempotency-Key"));

    /// <summary>A batch the loop has taken from the queue, and whether it has decided yet (or ended without deciding):
    /// the loop forms the next batch only then.</summary>
    private sealed class BatchInHand(int capacity)
    {
        private readonly TaskCompletionSource _decided = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<PendingWrite> Writes { get; } = new(Math.Min(capacity, 64));
        public Task Decided => _decided.Task;
        public void MarkDecided() => _decided.TrySetResult();
    }

    private sealed class PendingWrite(LedgerCommand command, IdempotencyRequest? idempotency, ResponseRenderer render, AuditRecorded? audit,
        LedgerCaller? caller, OutboxTrace trace, AppliedStatement? onApplied)
    {
        public AppliedStatement? OnApplied { get; } = onApplied;
        /// <summary>The submitting request's context, for the outbox rows of the events this command appends.</summary>
        public OutboxTrace Trace { get; } = trace;
        public LedgerCaller? Caller { get; } = caller;
        public LedgerCommand Command { get; } = command;
        public IdempotencyRequest? Idempotency { get; } = idempotency;
        public ResponseRenderer Render { get; } = render;
        public AuditRecorded? Audit { get; } = audit;
        public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// A statement to run in the transaction of the batch that applies a command, built from the command's stored response
/// (and the batch's time) when, and only when, the command is applied: not when it is refused, nor when it is answered from
/// its Idempotency-Key. It commits if and only if the command does, in the same round trip as the batch's own writes, so a
/// caller's bookkeeping about the write (the reversal saga's step record) costs no transaction of its own. Built again if
/// the batch is retried. It must not fail on any data (a statement that throws fails the batch, and the writer then applies
/// its commands one by one, so only its own command would fail): an UPDATE by key, not an INSERT that may conflict.
/// </summary>
public delegate NpgsqlBatchCommand AppliedStatement(StoredResponse response, DateTimeOffset appliedAt);

/// <summary>A batch broke a ledger invariant after deciding; it is rolled back, never committed.</summary>
internal sealed class LedgerInvariantException(string message) : Exception(message);

/// <summary>COMMIT got no answer, and the database says the transaction aborted: safe to run the batch again.</summary>
internal sealed class CommitAbortedException(Exception inner) : Exception("The connection was lost during COMMIT; the transaction aborted.", inner);

/// <summary>A commit failed and the database could not be asked whether it happened.</summary>
internal sealed class CommitOutcomeUnknownException(Exception inner) : Exception("The commit's outcome is unknown.", inner);

/// <summary>The ledger could not apply a command for a reason that is not the client's (503), with a stable
/// <see cref="Code"/> for the problem details.</summary>
public sealed class LedgerUnavailableException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The database failed or could not be reached; nothing was applied.</summary>
    public const string Unavailable = "ledger_unavailable";

    /// <summary>The service is stopping; the command was not applied.</summary>
    public const string ShuttingDownCode = "ledger_shutting_down";

    /// <summary>COMMIT got no answer and the database could not be asked in time: the command may or may not be applied.</summary>
    public const string OutcomeUnknown = "commit_outcome_unknown";

    public string Code { get; } = code;
}
