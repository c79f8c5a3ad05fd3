using LedgerX.Notifications.Api.Webhooks.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// The audit event of an automatic disable, written into the service's shared <c>audit_outbox</c> table (created by the
/// service's own migrations) in the same transaction as the disable: a disable that committed is audited, one that
/// rolled back is not. Raw SQL on the webhooks context's connection, because the outbox's entity belongs to another
/// module's model.
/// </summary>
public static class WebhookAudit
{
    public const string Source = "notification-service";
    public const string EndpointDisabled = "notifications.webhook.disabled";

    public static async Task DisabledAsync(WebhooksDbContext db, TimeProvider clock, WebhookEndpointRow endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(endpoint);
        var e = AuditRecorded.Create(clock, Source, AuditActor.Service(Source), EndpointDisabled, AuditOutcomes.Succeeded,
            new AuditSubject("webhook_endpoint", endpoint.Id.ToString()),
            new Dictionary<string, string>
            {
                ["userId"] = endpoint.UserId,
                ["reason"] = WebhookDeliveries.Truncate(endpoint.DisabledReason ?? "", AuditRecordedRules.MaxDetailLength),
            });
        if (AuditRecordedRules.Problems(e) is { Count: > 0 } problems)
        {
            throw new InvalidOperationException($"The audit event of disabling {endpoint.Id} breaks audit.recorded.v1: {string.Join("; ", problems)}");
        }
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO {AuditOutbox.Table} (event_id, payload) VALUES ({e.EventId}, CAST({AuditOutbox.Serialize(e)} AS jsonb))", ct);
    }
}
