using LedgerX.Auth.Api.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Auth.Api.Audit;

/// <summary>Writes <see cref="AuditRecorded"/> events to the shared audit outbox (ServiceDefaults/Audit) through the
/// request's <see cref="AuthDbContext"/>, the same one Identity and OpenIddict save through, so they commit together;
/// <c>AuditOutboxRelay</c> publishes them to audit.recorded.v1.</summary>
public sealed class OutboxSecurityAudit(AuthDbContext db, TimeProvider clock) : ISecurityAudit
{
    public void Add(string action, string outcome, AuditActor actor, AuditSubject? subject = null, IReadOnlyDictionary<string, string>? details = null) =>
        db.AddAuditEvent(AuditRecorded.Create(clock, AuthRegistration.AppId, actor, action, outcome, subject, details));

    public void DiscardPending()
    {
        foreach (var entry in db.ChangeTracker.Entries<AuditOutboxRow>().Where(e => e.State == EntityState.Added).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }

    public async Task RecordAsync(string action, string outcome, AuditActor actor, AuditSubject? subject = null,
        IReadOnlyDictionary<string, string>? details = null, CancellationToken ct = default)
    {
        Add(action, outcome, actor, subject, details);
        await db.SaveChangesAsync(ct);
    }
}
