using System.Text.Json;
using LedgerX.Auth.Api.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Auth.Api.Audit;

/// <summary>Writes <see cref="AuditRecorded"/> events to auth-service's outbox through the request's
/// <see cref="AuthDbContext"/>, the same one Identity and OpenIddict save through, so they commit together.</summary>
public sealed class OutboxSecurityAudit(AuthDbContext db, TimeProvider clock) : ISecurityAudit
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Add(string action, string outcome, AuditActor actor, AuditSubject? subject = null, IReadOnlyDictionary<string, string>? details = null)
    {
        var recorded = AuditRecorded.Create(clock, AuthRegistration.AppId, actor, action, outcome, subject, details);
        db.Outbox.Add(new OutboxRow
        {
            EventId = recorded.EventId,
            Topic = AuditTopics.Recorded,
            Payload = JsonSerializer.Serialize(recorded, Json),
            CreatedAt = recorded.OccurredAt,
            NextAttemptAt = recorded.OccurredAt,
        });
    }

    public void DiscardPending()
    {
        foreach (var entry in db.ChangeTracker.Entries<OutboxRow>().Where(e => e.State == EntityState.Added).ToList())
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
