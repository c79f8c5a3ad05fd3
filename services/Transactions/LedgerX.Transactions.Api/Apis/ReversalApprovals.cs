using System.Text.Json;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.Transactions.Api.Access;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>
/// Approving or rejecting a reversal. The decision is recorded on the reversal row before the saga hears of it, in one
/// transaction that locks the row, so:
/// <list type="bullet">
/// <item>exactly one decision wins: an approve and a reject sent together both lock the row, the second finds the first's
/// decision and gets 409 <c>reversal_already_decided</c>;</item>
/// <item><c>Idempotency-Key</c> is honoured like on every ledger write (ADR 0005): the 202 is stored under the key in the
/// caller's scope in the same transaction, and a retry replays it with <c>Idempotent-Replayed: true</c>;</item>
/// <item>a decision survives the sidecar being away: delivery is bounded (<see cref="ReversalOptions.SidecarCallTimeoutMs"/>),
/// the answer is still 202 (the decision is committed), and the saga reads the recorded decision when it reaches the
/// approval step, or the <see cref="ReversalSweeper"/> delivers it again.</item>
/// <item>the decision's audit event (<c>ledger.reversal.approved</c> or <c>.rejected</c>, by the caller) commits in the
/// same transaction: a recorded decision is always audited, a refused or replayed one never.</item>
/// </list>
/// </summary>
public sealed class ReversalApprovals(IServiceScopeFactory scopes, ReversalSagaClient sagas, TimeProvider clock, IOptions<LedgerOptions> ledgerOptions)
{
    /// <summary>The approver is the caller: the token's subject, recorded on the reversal, in the audit event and in the
    /// decision the saga receives. Without accounts:any the reversal must touch one of the caller's accounts, else it is
    /// not found (as for every read).</summary>
    public async Task<IResult> DecideAsync(Guid id, ApprovalRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, CancellationToken ct)
    {
        if (request.Approved is not { } approved)
        {
            return LedgerProblems.From(LedgerError.Validation("approved", "The approved field is required."));
        }
        var by = caller.Subject;
        IdempotencyRequest? idempotency;
        try
        {
            idempotency = LedgerSubmission.ReadIdempotencyKey(http, request);
        }
        catch (LedgerRuleException refused)
        {
            return LedgerProblems.From(refused.Error);
        }

        // Two requests with one new key for two reversals lock different rows; the loser of the key's insert tries once
        // more and then finds the winner's key.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await RecordAsync(id, approved, caller, version, idempotency, AuditCaller.Of(http), ct);
                if (outcome is Recorded { Replayed: false })
                {
                    await sagas.TryDeliverDecisionAsync(id, new ApprovalDecision(approved, by), ct);
                }
                return outcome switch
                {
                    Recorded recorded => new LedgerSubmission.StoredResult(recorded.Response, recorded.Replayed),
                    Refused refused => LedgerProblems.From(refused.Error),
                    _ => throw new InvalidOperationException("Unknown approval outcome."),
                };
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt == 1)
            {
            }
            catch (Exception ex) when (DatabaseUnavailable(ex))
            {
                // Nothing was recorded (the decision and its key commit together or not at all): say so like every other
                // ledger write does, so the caller retries with the same Idempotency-Key instead of reading a 500.
                return ServiceDefaults.Problems.Problem(StatusCodes.Status503ServiceUnavailable, LedgerUnavailableException.Unavailable,
                    "The ledger's database cannot be reached; the decision was not recorded. Retry with the same Idempotency-Key.");
            }
        }
    }

    private static async Task<bool> CanSeeAsync(LedgerDbContext db, LedgerCaller caller, ReversalRow reversal, CancellationToken ct) =>
        caller.ActsForAnyone
        || await db.AccountsOf(caller).AnyAsync(a => a.Id == reversal.AccountId || a.Id == reversal.CounterpartyAccountId, ct);

    private static bool DatabaseUnavailable(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }
        return false;
    }

    private abstract record Outcome;
    private sealed record Recorded(StoredResponse Response, bool Replayed) : Outcome;
    private sealed record Refused(LedgerError Error) : Outcome;

    private async Task<Outcome> RecordAsync(Guid id, bool approved, LedgerCaller caller, ApiVersion version, IdempotencyRequest? idempotency,
        AuditActor actor, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();

        var reversal = await db.Reversals.FromSql($"SELECT * FROM reversals WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (reversal is null || !await CanSeeAsync(db, caller, reversal, ct))
        {
            return new Refused(LedgerError.NotFound("reversal_not_found", $"Reversal {id} does not exist."));
        }
        IdempotencyRow? stored = null;
        if (idempotency is { Key: var key })
        {
            var (scopeValue, keyValue) = (key.Scope.Value, key.Value);
            stored = await db.IdempotencyKeys.FromSql($"SELECT * FROM idempotency_keys WHERE scope = {scopeValue} AND key = {keyValue} FOR UPDATE")
                .SingleOrDefaultAsync(ct);
            if (stored is not null && stored.ExpiresAt > now)
            {
                return stored.RequestHash.AsSpan().SequenceEqual(idempotency.RequestHash)
                    ? new Recorded(new StoredResponse(stored.StatusCode, stored.ResponseBody, stored.ResponseLocation), Replayed: true)
                    : new Refused(new LedgerError(LedgerErrorKind.RuleViolation, "idempotency_key_reused",
                        $"Idempotency-Key '{key}' was already used with a different request.", "Idempotency-Key"));
            }
        }
        if (reversal.Decision is not null)
        {
            return new Refused(LedgerError.Conflict("reversal_already_decided",
                $"Reversal {id} was already {reversal.Decision} by {reversal.DecidedBy} at {reversal.DecidedAt:O}."));
        }
        if (!reversal.RequiresApproval || reversal.Status is not (ReversalStatus.Pending or ReversalStatus.AwaitingApproval))
        {
            return new Refused(LedgerError.Conflict("reversal_not_awaiting_approval", $"Reversal {id} is {reversal.Status}, not awaiting approval."));
        }

        reversal.Decision = approved ? ApprovalDecisions.Approved : ApprovalDecisions.Rejected;
        reversal.DecidedBy = caller.Subject;
        reversal.DecidedAt = now;
        var response = new StoredResponse(StatusCodes.Status202Accepted, Responses.Serialize(version.Of(reversal.ToResponse(caller))),
            $"{version.Prefix}/reversals/{id}");
        if (idempotency is { Key: var newKey })
        {
            if (stored is not null)
            {
                db.IdempotencyKeys.Remove(stored); // expired: the key is new again
                await db.SaveChangesAsync(ct);
            }
            db.IdempotencyKeys.Add(new IdempotencyRow
            {
                Scope = newKey.Scope.Value, Key = newKey.Value, RequestHash = idempotency.RequestHash, StatusCode = response.StatusCode,
                ResponseBody = response.Body, ResponseLocation = response.Location, CreatedAt = now,
                ExpiresAt = now.AddHours(ledgerOptions.Value.IdempotencyRetentionHours),
            });
        }
        db.AddAuditEvent(AuditRecorded.Create(clock, LedgerAudit.Source, actor,
            approved ? AuditActions.ReversalApproved : AuditActions.ReversalRejected, AuditOutcomes.Succeeded,
            new AuditSubject("reversal", id.ToString()), new Dictionary<string, string> { ["by"] = caller.Subject, ["entryId"] = reversal.EntryId.ToString() }));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new Recorded(response, Replayed: false);
    }
}
