using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Transactions.Api.Reversals;

/// <summary>
/// Accepted == eventually applied, for reversals too. Every <see cref="ReversalOptions.SweepIntervalMs"/> it claims up to
/// <see cref="ReversalOptions.SweepBatchSize"/> unfinished reversals that have not moved for
/// <see cref="ReversalOptions.SweepStaleAfterMs"/> and asks the workflow engine about each saga:
/// <list type="bullet">
/// <item>no instance (never scheduled: the sidecar was away when the reversal was accepted, or the engine lost it):
/// start it;</item>
/// <item>the instance ended but the reversal has no terminal event (a saga that gave up going forward, or one of the
/// old code that threw past its compensation): run it again from the start; every ledger write replays under its key;</item>
/// <item>a live instance: deliver a recorded approval decision again (the sidecar may have been away when it was made);
/// one with no progress for <see cref="ReversalOptions.SweepStuckAfterMs"/> is terminated, and re-driven next time.</item>
/// </list>
/// Two replicas never handle one reversal in one pass: the claim is one UPDATE over <c>FOR UPDATE SKIP LOCKED</c> that
/// stamps <c>saga_checked_at</c>, so the other replica skips it until it is stale again. Only reversals younger than the
/// idempotency retention are re-driven (their saga's keys must still exist for the writes to replay); older ones are
/// logged for an operator.
/// </summary>
public sealed class ReversalSweeper(
    IServiceScopeFactory scopes, ReversalSagaClient sagas, TimeProvider clock, IOptions<ReversalOptions> options,
    IOptions<LedgerOptions> ledgerOptions, ILogger<ReversalSweeper> logger) : BackgroundService
{
    private readonly ReversalOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Reversal sweep failed; trying again after the interval");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(_options.SweepIntervalMs), clock, stoppingToken);
        }
    }

    /// <summary>One pass; returns how many reversals it claimed.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var claimed = await ClaimAsync(now, ct);
        var redriveSince = now - TimeSpan.FromHours(ledgerOptions.Value.IdempotencyRetentionHours) + TimeSpan.FromHours(1);
        foreach (var row in claimed)
        {
            var reversal = row.ToResponse(caller: null);
            var (instance, lastUpdated) = await sagas.InspectAsync(row.Id, ct);
            switch (instance)
            {
                case SagaInstance.Missing when row.RequestedAt >= redriveSince || row.Steps == "{}":
                    if (await sagas.TryStartAsync(reversal, ct))
                    {
                        logger.LogWarning("Reversal {ReversalId} had no saga; the sweeper started it", row.Id);
                    }
                    break;
                case SagaInstance.Ended when row.RequestedAt >= redriveSince:
                    if (await sagas.TryRedriveAsync(reversal, ct))
                    {
                        logger.LogWarning("Reversal {ReversalId} is {Status} but its saga ended; the sweeper runs it again", row.Id, row.Status);
                    }
                    break;
                case SagaInstance.Live when row.Decision is not null && row.Status == ReversalStatus.AwaitingApproval:
                    await sagas.TryDeliverDecisionAsync(row.Id, new ApprovalDecision(row.Decision == ApprovalDecisions.Approved, row.DecidedBy ?? ""), ct);
                    break;
                case SagaInstance.Live when row.Status == ReversalStatus.Pending && (lastUpdated ?? row.UpdatedAt) < now.AddMilliseconds(-_options.SweepStuckAfterMs)
                                             && row.UpdatedAt < now.AddMilliseconds(-_options.SweepStuckAfterMs):
                    if (await sagas.TryTerminateAsync(row.Id, ct))
                    {
                        logger.LogWarning("The saga of reversal {ReversalId} made no progress since {UpdatedAt}; terminated, to be re-driven", row.Id, row.UpdatedAt);
                    }
                    break;
                case SagaInstance.Missing or SagaInstance.Ended:
                    logger.LogError("Reversal {ReversalId} ({Status}, requested {RequestedAt}) has no running saga and is too old to re-drive safely; " +
                        "an operator must finish it", row.Id, row.Status, row.RequestedAt);
                    break;
            }
        }
        return claimed.Count;
    }

    /// <summary>Claims stale unfinished reversals: one statement, so concurrent sweepers get disjoint sets.</summary>
    internal async Task<List<ReversalRow>> ClaimAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDbContext>();
        var staleBefore = now.AddMilliseconds(-_options.SweepStaleAfterMs);
        return await db.Reversals.FromSql(
            $"""
            UPDATE reversals SET saga_checked_at = {now}
            WHERE id IN (SELECT id FROM reversals
                         WHERE status IN ('pending', 'awaiting_approval') AND greatest(updated_at, coalesce(saga_checked_at, updated_at)) < {staleBefore}
                         ORDER BY greatest(updated_at, coalesce(saga_checked_at, updated_at)), id
                         LIMIT {_options.SweepBatchSize}
                         FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);
    }
}
