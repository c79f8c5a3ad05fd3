using LedgerX.ServiceDefaults.Auth;
using System.Text.RegularExpressions;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>
/// Whose namespace an Idempotency-Key lives in (ADR 0005). Keys are stored as (scope, key), so one caller's key can
/// never replay, or block with 422, another caller's request. The scope is decided once, at the edge that knows the
/// caller (<see cref="CallerScopes"/>), and carried with the key to the writer:
/// <list type="bullet">
/// <item><c>client:anonymous</c>: an HTTP client without an access token. Every route requires one since issue 15, so no
/// request reaches the writer in this scope any more; it stays for keys stored before;</item>
/// <item><c>user:&lt;sub&gt;</c> / <c>client:&lt;client_id&gt;</c>: the authenticated caller (client credentials: sub is the
/// client id). Opening an account depends on this: the owner is the token's sub, not in the hashed body;</item>
/// <item><c>app:&lt;app-id&gt;</c>: another service calling through Dapr invocation without a token (before issue 15,
/// fraud-service; it now calls with its own client token, <c>client:fraud-service</c>);</item>
/// <item><c>internal:&lt;name&gt;</c>: the service's own steps (the reversal saga). Only code in this assembly can
/// name one; nothing read from a request can produce it.</item>
/// </list>
/// </summary>
public readonly partial record struct IdempotencyScope
{
    public const int MaxLength = 320;

    private IdempotencyScope(string value) => Value = value;

    public string Value { get; }

    /// <summary>Every HTTP caller until authentication exists: one shared namespace, as before scopes.</summary>
    public static readonly IdempotencyScope AnonymousClient = new("client:anonymous");

    /// <summary>The reversal saga's ledger writes (<c>reversal:&lt;id&gt;:&lt;step&gt;</c>).</summary>
    public static readonly IdempotencyScope ReversalSaga = new("internal:reversal-saga");

    /// <summary>A caller's scope: <paramref name="kind"/> is user, client or app (never internal).</summary>
    public static IdempotencyScope ForCaller(string kind, string id)
    {
        if (kind is not ("user" or "client" or "app"))
        {
            throw new ArgumentException($"'{kind}' is not a caller scope; internal scopes are not derived from requests.", nameof(kind));
        }
        if (!CallerId().IsMatch(id))
        {
            throw new ArgumentException("A caller id is 1 to 255 visible ASCII characters.", nameof(id));
        }
        return new IdempotencyScope($"{kind}:{id}");
    }

    /// <summary>True when <paramref name="id"/> can name a caller's scope.</summary>
    public static bool IsCallerId(string id) => CallerId().IsMatch(id);

    /// <summary>A scope read back from the database.</summary>
    internal static IdempotencyScope Stored(string value) => new(value);

    public bool IsInternal => Value.StartsWith("internal:", StringComparison.Ordinal);

    public override string ToString() => Value;

    [GeneratedRegex("^[!-~]{1,255}$")]
    private static partial Regex CallerId();
}

/// <summary>An Idempotency-Key within its scope: the unit that is stored, looked up and compared.</summary>
public readonly record struct IdempotencyKey(IdempotencyScope Scope, string Value)
{
    /// <summary>The key as the caller sent it: what error messages name (the scope is the caller, not news to them).</summary>
    public override string ToString() => Value;
}

/// <summary>
/// The caller's scope from the request. The one trust assumption until app API tokens exist (issue 15): the
/// <c>dapr-caller-app-id</c> header names the calling app. A Dapr sidecar sets it (and overwrites any value the caller
/// sent) on every invocation it delivers, so it is trustworthy exactly when the app port is reachable only through its
/// sidecar; a client that can reach the app port directly can send it too. Whatever it says, it can only select an
/// <c>app:</c> scope, never an internal one. Once requests carry tokens, the token's caller (<c>user:</c> /
/// <c>client:</c>) is taken first: a request a gateway forwards by invocation is its user's, not the gateway's.
/// </summary>
public static partial class CallerScopes
{
    public const string DaprCallerHeader = "dapr-caller-app-id";

    public static IdempotencyScope Of(HttpContext http)
    {
        // First, because a gateway forwards its caller's token through Dapr: the key is the user's, not the gateway's.
        if (http.User.SubjectId() is { } subject && IdempotencyScope.IsCallerId(subject))
        {
            var kind = string.Equals(http.User.FindFirst(LedgerXClaims.ClientId)?.Value, subject, StringComparison.Ordinal) ? "client" : "user";
            return IdempotencyScope.ForCaller(kind, subject);
        }
        if (http.Request.Headers.TryGetValue(DaprCallerHeader, out var caller) && caller.Count == 1 && AppId().IsMatch(caller.ToString()))
        {
            return IdempotencyScope.ForCaller("app", caller.ToString());
        }
        return IdempotencyScope.AnonymousClient;
    }

    // Dapr app ids are short names; anything else did not come from a sidecar.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex AppId();
}
