using LedgerX.Notifications.Api.Webhooks.Persistence;
using LedgerX.ServiceDefaults.Audit;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>The audit event of an automatic disable, added to the unit of work that disables: a disable that committed
/// is audited, one that rolled back is not.</summary>
public static class WebhookAudit
{
    public const string Source = "notification-service";
    public const string EndpointDisabled = "notifications.webhook.disabled";

    public static void Disabled(WebhooksDbContext db, TimeProvider clock, WebhookEndpointRow endpoint)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(endpoint);
        db.AddAuditEvent(AuditRecorded.Create(clock, Source, AuditActor.Service(Source), EndpointDisabled, AuditOutcomes.Succeeded,
            new AuditSubject("webhook_endpoint", endpoint.Id.ToString()),
            new Dictionary<string, string>
            {
                ["userId"] = endpoint.UserId,
                ["reason"] = WebhookDeliveries.Truncate(endpoint.DisabledReason ?? "", AuditRecordedRules.MaxDetailLength),
            }));
    }
}
