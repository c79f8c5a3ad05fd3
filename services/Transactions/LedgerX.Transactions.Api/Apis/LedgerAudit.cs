using LedgerX.ServiceDefaults.Audit;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>The ledger's audit events: privileged actions, by the caller of the request (ServiceDefaults' shared outbox).</summary>
internal static class LedgerAudit
{
    /// <summary>The app id (dapr.yaml) the ledger's audit events name as their source.</summary>
    public const string Source = "transaction-service";

    public static AuditRecorded Succeeded(HttpContext http, TimeProvider clock, string action, AuditSubject subject,
        IReadOnlyDictionary<string, string>? details = null) =>
        AuditRecorded.Create(clock, Source, AuditCaller.Of(http), action, AuditOutcomes.Succeeded, subject, details);

    public static AuditSubject Account(Guid id) => new("account", id.ToString());
}
