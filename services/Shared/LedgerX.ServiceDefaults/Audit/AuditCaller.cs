using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace LedgerX.ServiceDefaults.Audit;

/// <summary>Who made an HTTP request, for its audit event: every service answers this the same way.</summary>
public static partial class AuditCaller
{
    /// <summary>Set by a Dapr sidecar (overwriting anything the caller sent) on every invocation it delivers.</summary>
    public const string DaprCallerHeader = "dapr-caller-app-id";

    /// <summary>
    /// The validated token's user or client first (a request a gateway forwards by invocation is its user's, not the
    /// gateway's); else the calling app, when the request came through Dapr service invocation; else anonymous. The
    /// app id is trustworthy exactly when the app port is reachable only through its sidecar (as for the ledger's
    /// idempotency scopes); whatever it says, it only ever names a <c>service</c> actor.
    /// </summary>
    public static AuditActor Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var fromToken = AuditActor.From(http.User);
        if (fromToken != AuditActor.Anonymous)
        {
            return fromToken;
        }
        return http.Request.Headers.TryGetValue(DaprCallerHeader, out var caller) && caller.Count == 1 && AppId().IsMatch(caller.ToString())
            ? AuditActor.Service(caller.ToString())
            : AuditActor.Anonymous;
    }

    /// <summary>Truncates a free-text detail (a reason, a note) to what the schema allows, so a long text a client sent
    /// never makes the action's audit event invalid.</summary>
    public static string Detail(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= AuditRecordedRules.MaxDetailLength ? value : value[..AuditRecordedRules.MaxDetailLength];
    }

    // Dapr app ids are short names; anything else did not come from a sidecar.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\\z")]
    private static partial Regex AppId();
}
