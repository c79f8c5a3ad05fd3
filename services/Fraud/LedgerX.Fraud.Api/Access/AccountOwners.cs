using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LedgerX.Fraud.Api.Access;

/// <summary>
/// Projects account.opened.v1 into account_owners, once per event: the processed-event row and the owner row commit
/// together, as the alert consumer's do. Events race: an alert may be stored before its account's opening arrives, and
/// its owner then sees 404 until it does (staff see it at once).
/// </summary>
public sealed class AccountOwners(FraudDbContext db, TimeProvider clock)
{
    public async Task<Alerts.ConsumeOutcome> RecordAsync(Guid eventId, AccountOpened opened, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(opened);
        if (await db.ProcessedEvents.AsNoTracking().AnyAsync(p => p.EventId == eventId, ct))
        {
            return Alerts.ConsumeOutcome.Duplicate;
        }
        db.ProcessedEvents.Add(new ProcessedEventRow { EventId = eventId, Topic = Topics.AccountOpened, ProcessedAt = clock.GetUtcNow() });
        // The ledger opens an account once, so a second event for it can only be a replay under another id: the first owner stays.
        if (!await db.AccountOwners.AnyAsync(o => o.AccountId == opened.AccountId, ct))
        {
            db.AccountOwners.Add(new AccountOwnerRow { AccountId = opened.AccountId!.Value, OwnerId = opened.OwnerId!, OpenedAt = opened.OccurredAt!.Value });
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Alerts.ConsumeOutcome.Duplicate;
        }
        return Alerts.ConsumeOutcome.Processed;
    }
}
