using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LedgerX.Notifications.Api.Intake;

/// <summary>A user's contact as the decider needs it.</summary>
public sealed record Contact(string? Email, bool EmailConfirmed, string? PhoneNumber);

/// <summary>Where users can be reached (the contact projection), for the delivery modules.</summary>
public interface IContactDirectory
{
    Task<Contact?> FindAsync(string userId, CancellationToken ct);
}

/// <summary>The projections intake keeps: account owners, user contacts and reversal parties. Each write is idempotent:
/// a replayed event changes nothing (ownership never changes; a contact only moves forward in time).</summary>
public sealed class Projections(IntakeDbContext db) : IContactDirectory
{
    public async Task<IReadOnlyDictionary<Guid, AccountOwner>> OwnersAsync(IReadOnlyCollection<Guid> accounts, CancellationToken ct) =>
        await db.AccountOwners.AsNoTracking().Where(o => accounts.Contains(o.AccountId))
            .ToDictionaryAsync(o => o.AccountId, o => new AccountOwner(o.OwnerId, o.IsWorld), ct);

    public async Task<AccountOwner?> OwnerAsync(Guid account, CancellationToken ct) =>
        (await OwnersAsync([account], ct)).GetValueOrDefault(account);

    public async Task RecordOwnerAsync(AccountOpened opened, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(opened);
        if (await db.AccountOwners.AnyAsync(o => o.AccountId == opened.AccountId, ct))
        {
            return;
        }
        db.AccountOwners.Add(new AccountOwnerRow
        {
            AccountId = opened.AccountId!.Value, OwnerId = opened.OwnerId!, IsWorld = opened.Kind == AccountOpened.WorldKind,
            OpenedAt = opened.OccurredAt!.Value,
        });
        await SaveIgnoringRaceAsync(ct);
    }

    /// <summary>
    /// One atomic upsert, newest event wins. A registration and its confirmation are published moments apart and may be
    /// delivered at once: a find-then-insert let the confirmation lose the insert race and be dropped as a duplicate,
    /// leaving the address unconfirmed (and the user without e-mail) for good.
    /// </summary>
    public async Task RecordContactAsync(UserContact contact, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var email = string.IsNullOrEmpty(contact.Email) ? null : contact.Email;
        var phone = string.IsNullOrEmpty(contact.PhoneNumber) ? null : contact.PhoneNumber;
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO user_contacts (user_id, email, email_confirmed, phone_number, updated_at)
            VALUES ({contact.UserId!}, {email}, {contact.EmailConfirmed!.Value}, {phone}, {contact.OccurredAt!.Value})
            ON CONFLICT (user_id) DO UPDATE
            SET email = EXCLUDED.email, email_confirmed = EXCLUDED.email_confirmed, phone_number = EXCLUDED.phone_number,
                updated_at = EXCLUDED.updated_at
            WHERE user_contacts.updated_at < EXCLUDED.updated_at
            """, ct);
    }

    public async Task RecordReversalAsync(ReversalRequested requested, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (await db.ReversalParties.AnyAsync(r => r.ReversalId == requested.ReversalId, ct))
        {
            return;
        }
        db.ReversalParties.Add(new ReversalPartiesRow
        {
            ReversalId = requested.ReversalId!.Value, EntryId = requested.EntryId!.Value, AccountId = requested.AccountId!.Value,
            CounterpartyAccountId = requested.CounterpartyAccountId!.Value, Amount = requested.Amount!.Value, Currency = requested.Currency!,
        });
        await SaveIgnoringRaceAsync(ct);
    }

    public async Task<ReversalParties?> ReversalAsync(Guid reversalId, CancellationToken ct) =>
        await db.ReversalParties.AsNoTracking().Where(r => r.ReversalId == reversalId)
            .Select(r => new ReversalParties(r.ReversalId, r.EntryId, r.AccountId, r.CounterpartyAccountId, new Money(r.Amount, r.Currency)))
            .FirstOrDefaultAsync(ct);

    public async Task<Contact?> FindAsync(string userId, CancellationToken ct) =>
        await db.UserContacts.AsNoTracking().Where(c => c.UserId == userId)
            .Select(c => new Contact(c.Email, c.EmailConfirmed, c.PhoneNumber)).FirstOrDefaultAsync(ct);

    /// <summary>Two deliveries of the same event racing: the other one's row is the same fact.</summary>
    private async Task SaveIgnoringRaceAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
        }
    }
}
