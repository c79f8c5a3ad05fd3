using LedgerX.ServiceDefaults.Audit;

namespace LedgerX.Auth.Api.Audit;

/// <summary>
/// Where auth-service's security events go: as audit.recorded.v1 into its outbox, in the same transaction as the
/// change they report. The one seam to swap for the shared audit outbox (ServiceDefaults/Audit) when it lands.
/// </summary>
public interface ISecurityAudit
{
    /// <summary>Adds the event to the current unit of work; the caller's next SaveChanges commits it with the change.</summary>
    void Add(string action, string outcome, AuditActor actor, AuditSubject? subject = null, IReadOnlyDictionary<string, string>? details = null);

    /// <summary>Forgets events added but not saved, when the change they describe did not happen.</summary>
    void DiscardPending();

    /// <summary>Adds and saves: for events with no change of their own (a failed sign-in, a key rotation).</summary>
    Task RecordAsync(string action, string outcome, AuditActor actor, AuditSubject? subject = null,
        IReadOnlyDictionary<string, string>? details = null, CancellationToken ct = default);
}
