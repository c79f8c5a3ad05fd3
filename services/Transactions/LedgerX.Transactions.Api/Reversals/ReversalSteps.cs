using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LedgerX.Transactions.Api.Access;
using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace LedgerX.Transactions.Api.Reversals;

/// <summary>
/// The saga's steps against the ledger. Money only ever moves through the <see cref="LedgerWriter"/> (so the ledger's
/// rules, the hash-chained log and the outbox apply to the saga as to any client), each write under the step's
/// Idempotency-Key in the internal scope <see cref="IdempotencyScope.ReversalSaga"/>, which no HTTP request can reach
/// (ADR 0005), so a client can neither pre-claim a step's key nor plant a response for it. The key alone is hashed as
/// the "request": whatever a retried step computes, the first committed write is its answer. A stored response is
/// trusted only when its request hash is the step's own.
/// </summary>
public sealed class ReversalSteps(LedgerWriter writer, NpgsqlDataSource database, TimeProvider clock, IOptions<ReversalOptions> options)
    : IReversalSteps
{
    private static readonly ResponseRenderer NoBody = (_, _) => new StoredResponse(StatusCodes.Status204NoContent, []);

    private readonly ReversalOptions _options = options.Value;

    public Task<StepOutcome> ValidateAsync(SagaProgress saga, CancellationToken ct) => RecordedAsync(saga, SagaSteps.Validate, async _ =>
    {
        var r = saga.Reversal;
        // A re-driven saga (ReversalSweeper) whose reversing entry is already posted passed validation before; checking
        // again would find nothing left to reverse and fail a reversal that happened.
        if (await StoredResponseAsync<EntryResponse>(saga, SagaSteps.Post, ct) is not null)
        {
            return StepOutcome.Ok;
        }
        await using var command = database.CreateCommand(
            """
            SELECT e.posted_at,
                (SELECT coalesce(sum(p.amount), 0) FROM postings p WHERE p.entry_id = e.id AND p.direction = 'credit' AND p.currency = $2)
                - coalesce((SELECT sum(p.amount - coalesce((SELECT sum(cp.amount) FROM journal_entries c JOIN postings cp ON cp.entry_id = c.id
                                                            WHERE c.reverses_entry_id = rv.id AND cp.direction = 'credit' AND cp.currency = $2), 0))
                            FROM journal_entries rv JOIN postings p ON p.entry_id = rv.id AND p.direction = 'credit' AND p.currency = $2
                            WHERE rv.reverses_entry_id = e.id), 0)
            FROM journal_entries e WHERE e.id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = r.EntryId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = r.Currency });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return StepOutcome.Failed($"entry {r.EntryId} does not exist");
        }
        var postedAt = reader.GetFieldValue<DateTimeOffset>(0);
        var remaining = reader.GetInt64(1);
        if (postedAt < clock.GetUtcNow().AddDays(-_options.WindowDays))
        {
            return StepOutcome.Failed($"entry {r.EntryId} was posted at {postedAt:O}, outside the {_options.WindowDays}-day reversal window");
        }
        // Advisory only: the posting step is where the ledger enforces this, atomically.
        return remaining < r.Amount
            ? StepOutcome.Failed($"entry {r.EntryId} has {remaining} {r.Currency} left to reverse; {r.Amount} requested")
            : StepOutcome.Ok;
    }, ct);

    public Task<StepOutcome> HoldFundsAsync(SagaProgress saga, CancellationToken ct) => RecordedAsync(saga, SagaSteps.Hold, async run =>
    {
        var r = saga.Reversal;
        var toHold = r.ShortfallPolicy == ShortfallPolicy.PostToRecoveryAccount ? Math.Clamp(await AvailableAsync(r.AccountId, r.Amount, ct), 0, r.Amount) : r.Amount;
        if (toHold == 0)
        {
            return new StepOutcome(true, Held: 0);
        }
        return await WriteOnceAsync(run, SagaSteps.Hold,
            new CreateHold(new AccountId(r.AccountId), new AccountId(r.CounterpartyAccountId), AmountOf(r, toHold),
                clock.GetUtcNow().AddSeconds(_options.HoldExpirySeconds), $"reversal {r.ReversalId}",
                ForReversal: new ReversalId(r.ReversalId)),
            Responses.CreatedHold(ApiVersion.V1), response =>
            {
                var hold = JsonSerializer.Deserialize<HoldResponse>(response.Body, ApiJson.Options)!;
                return new StepOutcome(true, HoldId: hold.Id, Held: hold.Amount);
            }, ct);
    }, ct);

    public Task<StepOutcome> PostAsync(SagaProgress saga, CancellationToken ct) => RecordedAsync(saga, SagaSteps.Post, run =>
    {
        var r = saga.Reversal;
        var postings = new List<PostingRequest>();
        if (saga.Held > 0)
        {
            postings.Add(new(new AccountId(r.AccountId), Direction.Debit, AmountOf(r, saga.Held), "accountId"));
        }
        if (saga.Shortfall > 0)
        {
            postings.Add(new(new AccountId(RecoveryAccount(r)), Direction.Debit, AmountOf(r, saga.Shortfall), "recoveryAccountId"));
        }
        postings.Add(new(new AccountId(r.CounterpartyAccountId), Direction.Credit, AmountOf(r, r.Amount), "counterpartyAccountId"));
        return WriteOnceAsync(run, SagaSteps.Post,
            new PostEntry(EntryKind.Reversal, postings, Details(r, $"Reversal of {r.EntryId}: {r.Reason}"), new EntryId(r.EntryId),
                saga.HoldId is { } hold ? new HoldId(hold) : null),
            Responses.PostedEntry(LedgerCaller.Internal, ApiVersion.V1), Posted, ct);
    }, ct);

    public Task<StepOutcome> NotifyAsync(SagaProgress saga, CancellationToken ct) => RecordedAsync(saga, SagaSteps.Notify, run =>
    {
        var r = saga.Reversal;
        return WriteOnceAsync(run, SagaSteps.Notify,
            new CompleteReversal(new ReversalId(r.ReversalId), new EntryId(r.EntryId), new EntryId(saga.ReversalEntryId!.Value), AmountOf(r, r.Amount)),
            NoBody, _ => StepOutcome.Ok, ct);
    }, ct);

    public Task<StepOutcome> VoidHoldAsync(SagaProgress saga, CancellationToken ct) => RecordedAsync(saga, SagaSteps.VoidHold, async run =>
    {
        var r = saga.Reversal;
        var holdId = saga.HoldId ?? (await StoredResponseAsync<HoldResponse>(saga, SagaSteps.Hold, ct))?.Id;
        if (holdId is null)
        {
            return StepOutcome.Ok; // the hold step never committed: nothing is reserved
        }
        var voided = await WriteOnceAsync(run, SagaSteps.VoidHold, new VoidHold(new HoldId(holdId.Value), new ReversalId(r.ReversalId)), NoBody,
            _ => new StepOutcome(true, HoldId: holdId), ct);
        if (voided.Succeeded)
        {
            return voided;
        }
        // Expired, voided, or taken by the reversing entry (itself compensated first): it reserves nothing any more.
        var status = await HoldStatusAsync(holdId.Value, ct);
        return status is "voided" or "expired" or "posted" ? StepOutcome.Ok : voided;
    }, ct);

    public Task<StepOutcome> CompensateEntryAsync(SagaProgress saga, CancellationToken ct) => RecordedAsync(saga, SagaSteps.CompensateEntry, async run =>
    {
        var r = saga.Reversal;
        var reversingId = saga.ReversalEntryId ?? (await StoredResponseAsync<EntryResponse>(saga, SagaSteps.Post, ct))?.Id;
        if (reversingId is not { } entryId)
        {
            return StepOutcome.Ok; // the post step never committed: no money moved
        }
        // The exact mirror of what was posted: the same accounts and amounts, directions swapped. Only ever of this
        // reversal's own reversing entry: anything else found under the key is refused, never mirrored.
        if (!await IsReversingEntryOfAsync(entryId, r, ct))
        {
            return StepOutcome.Failed($"entry {entryId} is not the reversing entry of reversal {r.ReversalId}; nothing was compensated");
        }
        var postings = (await PostingsOfAsync(entryId, ct)).Select(p => new PostingRequest(new AccountId(p.AccountId),
            p.Direction == "credit" ? Direction.Debit : Direction.Credit, new Money(p.Amount, Currency.Parse(p.Currency)), "accountId")).ToList();
        return await WriteOnceAsync(run, SagaSteps.CompensateEntry,
            new PostEntry(EntryKind.Reversal, postings, Details(r, $"Compensation of reversal {r.ReversalId}"), new EntryId(entryId)),
            Responses.PostedEntry(LedgerCaller.Internal, ApiVersion.V1), Posted, ct);
    }, ct);

    public Task<StepOutcome> FailAsync(SagaProgress saga, CancellationToken ct) => RecordedAsync(saga, SagaSteps.Fail, run =>
    {
        var r = saga.Reversal;
        return WriteOnceAsync(run, SagaSteps.Fail,
            new FailReversal(new ReversalId(r.ReversalId), new EntryId(r.EntryId), saga.FailureReason ?? "unknown", saga.Compensations ?? []), NoBody,
            _ => StepOutcome.Ok, ct);
    }, ct);

    public async Task RecordAsync(StepRecord record, CancellationToken ct)
    {
        // A record that changes no status commits without waiting for its WAL flush (synchronous_commit off, this
        // transaction only): it is the read model's list of steps, best effort by design, and waiting for a disk flush
        // per step cost the saga as much as a ledger write. It is still atomic and ordered; the next synchronous
        // commit on the server (the saga's next ledger write) flushes it, and only a crash of PostgreSQL itself within
        // a fraction of a second can lose it, leaving a step missing from the list while the ledger and the saga are
        // right. A record that moves the status (awaiting approval and back) is committed durably, as before.
        // (A step whose ledger write is applied has its record written by that write's own transaction instead:
        // WriteOnceAsync.)
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (record.Status is null)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO OFF"));
        }
        batch.BatchCommands.Add(RecordCommand(record, clock.GetUtcNow()));
        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Overwrites the step's record (a step that ran twice shows its last run), unless the stored record finished later:
    /// the workflow's records (a retry, stamped with workflow time) and the step's own (stamped when it ends) come from
    /// different activities, and a late "retrying" must not hide the "succeeded" after it. A finished reversal keeps its
    /// status. An UPDATE by key that no data makes fail, as a statement in a ledger batch must be (<see cref="AppliedStatement"/>).
    /// </summary>
    private static NpgsqlBatchCommand RecordCommand(StepRecord record, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand(
            """
            UPDATE reversals SET steps = steps || jsonb_build_object($2::text, $3::jsonb), updated_at = $5,
                status = CASE WHEN status IN ('completed', 'failed') OR $4::text IS NULL THEN status ELSE $4::text END
            WHERE id = $1 AND coalesce((steps -> $2::text ->> 'finishedAt')::timestamptz <= ($3::jsonb ->> 'finishedAt')::timestamptz, true)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = record.ReversalId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Step });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = JsonSerializer.Serialize(new ReversalStepResponse(record.Step, record.Outcome, record.Detail, record.StartedAt, record.FinishedAt), ApiJson.Options),
            NpgsqlDbType = NpgsqlDbType.Jsonb,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)record.Status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        return command;
    }

    public async Task<ApprovalDecision?> RecordedDecisionAsync(Guid reversalId, CancellationToken ct)
    {
        await using var command = database.CreateCommand("SELECT decision, decided_by FROM reversals WHERE id = $1 AND decision IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = reversalId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new ApprovalDecision(reader.GetString(0) == ApprovalDecisions.Approved, reader.GetString(1)) : null;
    }

    /// <summary>Runs a step and records its outcome in the read model, unless the step's ledger write already did, in its
    /// own transaction (<see cref="WriteOnceAsync"/>).</summary>
    private async Task<StepOutcome> RecordedAsync(SagaProgress saga, string step, Func<StepRun, Task<StepOutcome>> run, CancellationToken ct)
    {
        var attempt = new StepRun(saga, clock.GetUtcNow());
        var outcome = await run(attempt);
        if (!attempt.Recorded)
        {
            await RecordAsync(RecordOf(attempt, step, outcome, clock.GetUtcNow()), ct);
        }
        return outcome;
    }

    private static StepRecord RecordOf(StepRun run, string step, StepOutcome outcome, DateTimeOffset finished) =>
        new(run.Saga.Reversal.ReversalId, step, outcome.Succeeded ? "succeeded" : "failed",
            outcome.Error ?? (outcome.HoldId is { } hold ? $"hold {hold} of {outcome.Held}" : outcome.EntryId is { } entry ? $"entry {entry}" : null),
            run.Started, finished);

    /// <summary>
    /// The step's ledger write under its key. When the write is applied now, the step's record ("succeeded", from
    /// <paramref name="succeeded"/>: the same outcome the step returns) is written in the write's own transaction
    /// (<see cref="AppliedStatement"/>): one transaction and round trip less per step (issue 19), and the record commits
    /// if and only if the write does. A write answered from its key (a retried or re-driven step) or refused is recorded
    /// on its own, as before.
    /// </summary>
    private async Task<StepOutcome> WriteOnceAsync(StepRun run, string step, LedgerCommand command, ResponseRenderer render,
        Func<StoredResponse, StepOutcome> succeeded, CancellationToken ct)
    {
        var key = SagaSteps.Key(run.Saga.Reversal.ReversalId, step);
        var result = await writer.SubmitAsync(command, new IdempotencyRequest(new IdempotencyKey(IdempotencyScope.ReversalSaga, key), StepHash(key)), render, ct,
            onApplied: (response, appliedAt) => RecordCommand(RecordOf(run, step, succeeded(response), appliedAt), appliedAt));
        switch (result)
        {
            case WriteResult.Applied applied:
                run.Recorded = !applied.Replayed;
                return succeeded(applied.Response);
            case WriteResult.Refused refused:
                return StepOutcome.Failed(Describe(refused.Error));
            default:
                throw new InvalidOperationException("Unknown write result.");
        }
    }

    private static StepOutcome Posted(StoredResponse response) =>
        new(true, EntryId: JsonSerializer.Deserialize<EntryResponse>(response.Body, ApiJson.Options)!.Id);

    /// <summary>One run of a step: when it started, and whether its record is already written.</summary>
    private sealed class StepRun(SagaProgress saga, DateTimeOffset started)
    {
        public SagaProgress Saga { get; } = saga;
        public DateTimeOffset Started { get; } = started;
        public bool Recorded { get; set; }
    }

    private static byte[] StepHash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>What a step's ledger write answered, if it committed: the response stored under the step's key in the
    /// saga's scope, and only if its request hash is the step's (anything else is not this step's write).</summary>
    private async Task<T?> StoredResponseAsync<T>(SagaProgress saga, string step, CancellationToken ct) where T : class
    {
        var key = SagaSteps.Key(saga.Reversal.ReversalId, step);
        await using var command = database.CreateCommand("SELECT response_body FROM idempotency_keys WHERE scope = $1 AND key = $2 AND request_hash = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = IdempotencyScope.ReversalSaga.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = StepHash(key) });
        return await command.ExecuteScalarAsync(ct) is byte[] body ? JsonSerializer.Deserialize<T>(body, ApiJson.Options) : null;
    }

    private async Task<bool> IsReversingEntryOfAsync(Guid entryId, ReversalInput r, CancellationToken ct)
    {
        await using var command = database.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM journal_entries WHERE id = $1 AND kind = 'reversal' AND reverses_entry_id = $2 AND metadata->>'reversalId' = $3)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = entryId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = r.EntryId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = r.ReversalId.ToString() });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task<List<(Guid AccountId, string Direction, long Amount, string Currency)>> PostingsOfAsync(Guid entryId, CancellationToken ct)
    {
        await using var command = database.CreateCommand("SELECT account_id, direction, amount, currency FROM postings WHERE entry_id = $1 ORDER BY line");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = entryId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var postings = new List<(Guid, string, long, string)>();
        while (await reader.ReadAsync(ct))
        {
            postings.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
        }
        return postings;
    }

    /// <summary>What the receiver can give back now, up to <paramref name="wanted"/>. A world account (the receiver of a
    /// withdrawal being reversed) has no floor: the money comes back from outside the ledger, so never a shortfall.</summary>
    private async Task<long> AvailableAsync(Guid accountId, long wanted, CancellationToken ct)
    {
        await using var command = database.CreateCommand("SELECT CASE WHEN kind = 'world' THEN $2 ELSE balance - held END FROM accounts WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = wanted });
        return await command.ExecuteScalarAsync(ct) is long available ? available : 0;
    }

    private async Task<string?> HoldStatusAsync(Guid holdId, CancellationToken ct)
    {
        await using var command = database.CreateCommand("SELECT status FROM holds WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = holdId });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static Guid RecoveryAccount(ReversalInput r) =>
        r.RecoveryAccountId ?? throw new InvalidOperationException("A shortfall needs a recovery account; the options validation should have required one.");

    private static Money AmountOf(ReversalInput r, long amount) => new(amount, Currency.Parse(r.Currency));

    private static EntryDetails Details(ReversalInput r, string description) =>
        new(description.Length > EntryDetails.MaxDescriptionLength ? description[..EntryDetails.MaxDescriptionLength] : description, "reversal",
            new Dictionary<string, string> { ["reversalId"] = r.ReversalId.ToString() });

    private static string Describe(LedgerError error) => $"{error.Code}: {error.Message}";
}
