using System.Diagnostics;
using System.Security.Claims;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.ServiceDefaults.Audit;

/// <summary>The pub/sub topic every service publishes its audit events to, through its own transactional outbox.</summary>
public static class AuditTopics
{
    /// <summary>audit.recorded.v1: one security event or privileged action. Schema:
    /// contracts/events/audit.recorded.v1.schema.json. auth-service appends each to its hash-chained audit log.</summary>
    public const string Recorded = "audit.recorded.v1";
}

/// <summary>
/// audit.recorded.v1: who did what to what, when, with which outcome. Producers write it to their outbox in the same
/// transaction as the action (so an action that committed is always audited, and one that did not never is); the audit
/// log deduplicates on <see cref="EventId"/>.
/// </summary>
public sealed record AuditRecorded
{
    /// <summary>UUIDv7; the CloudEvent id when published; the audit log's deduplication key.</summary>
    public required Guid EventId { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>The Dapr app id of the service where it happened.</summary>
    public required string Source { get; init; }

    public required AuditActor Actor { get; init; }

    /// <summary>Dotted, past tense, from <see cref="AuditActions"/> (a service may add its own under its prefix).</summary>
    public required string Action { get; init; }

    /// <summary>What was acted on, when there is one thing (an account, a reversal, a user).</summary>
    public AuditSubject? Subject { get; init; }

    /// <summary><see cref="AuditOutcomes"/>.</summary>
    public required string Outcome { get; init; }

    /// <summary>Small facts an auditor needs (reason, role, client id, IP); never secrets, tokens or passwords.</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }

    /// <summary>The W3C trace id of the request that caused it, to find its trace and logs.</summary>
    public string? TraceId { get; init; }

    /// <summary>A new event with a fresh UUIDv7 id and the current trace id.</summary>
    public static AuditRecorded Create(
        TimeProvider clock, string source, AuditActor actor, string action, string outcome,
        AuditSubject? subject = null, IReadOnlyDictionary<string, string>? details = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow();
        return new AuditRecorded
        {
            EventId = Guid.CreateVersion7(now),
            OccurredAt = now,
            Source = source,
            Actor = actor,
            Action = action,
            Subject = subject,
            Outcome = outcome,
            Details = details,
            TraceId = Activity.Current?.TraceId.ToHexString(),
        };
    }
}

/// <summary>Who acted. <see cref="Type"/>: user, client (an OAuth client acting for itself), service (a LedgerX app
/// by its Dapr app id), or anonymous.</summary>
public sealed record AuditActor(string Type, string Id)
{
    public static readonly AuditActor Anonymous = new("anonymous", "anonymous");

    public static AuditActor Service(string appId) => new("service", appId);

    /// <summary>The actor of a validated access token: a user when its subject differs from its client id, else the
    /// client; anonymous when the principal is not authenticated.</summary>
    public static AuditActor From(ClaimsPrincipal? principal)
    {
        if (principal?.SubjectId() is not { } subject)
        {
            return Anonymous;
        }
        var client = principal.FindFirst(LedgerXClaims.ClientId)?.Value;
        return string.Equals(subject, client, StringComparison.Ordinal) ? new AuditActor("client", subject) : new AuditActor("user", subject);
    }
}

/// <summary>What was acted on: <see cref="Type"/> such as account, reversal, user, client, role, audit_log, ledger.</summary>
public sealed record AuditSubject(string Type, string Id);

public static class AuditOutcomes
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Refused for lack of permission.</summary>
    public const string Denied = "denied";
}

/// <summary>The actions LedgerX audits. Security events come from auth-service; privileged actions from every service.</summary>
public static class AuditActions
{
    public const string UserRegistered = "auth.user.registered";
    public const string UserConfirmed = "auth.user.confirmed";
    public const string PasswordChanged = "auth.password.changed";
    public const string PasswordReset = "auth.password.reset";
    public const string SignInSucceeded = "auth.sign_in.succeeded";
    public const string SignInFailed = "auth.sign_in.failed";
    public const string LockedOut = "auth.user.locked_out";
    public const string TwoFactorEnabled = "auth.two_factor.enabled";
    public const string TwoFactorDisabled = "auth.two_factor.disabled";
    public const string TokenIssued = "auth.token.issued";
    public const string TokenRefreshed = "auth.token.refreshed";
    public const string TokenReuseDetected = "auth.token.reuse_detected";
    public const string TokenRevoked = "auth.token.revoked";
    public const string RoleGranted = "auth.role.granted";
    public const string RoleRevoked = "auth.role.revoked";
    public const string SigningKeyRotated = "auth.signing_key.rotated";
    public const string ClientRegistered = "auth.client.registered";

    public const string ReversalApproved = "ledger.reversal.approved";
    public const string ReversalRejected = "ledger.reversal.rejected";
    public const string AccountFrozen = "ledger.account.frozen";
    public const string AccountUnfrozen = "ledger.account.unfrozen";
    public const string LedgerVerified = "ledger.verified";
    public const string EventLogExported = "ledger.event_log.exported";
    public const string AnalyticsRebuilt = "analytics.rebuild.started";
    public const string AlertAcknowledged = "fraud.alert.acknowledged";
    public const string AuditLogVerified = "audit.log.verified";
}
