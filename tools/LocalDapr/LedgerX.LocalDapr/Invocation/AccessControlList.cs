using System.Globalization;
using System.Text;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Invocation;

/// <summary>
/// A sidecar's identity as daprd's mTLS certificates carry it: <c>spiffe://{trustDomain}/ns/{namespace}/{appId}</c>.
/// Locally the calling sidecar states it on the hop, which only a sidecar can make (it carries the target's hop token).
/// </summary>
public sealed record SpiffeId(string TrustDomain, string Namespace, string AppId)
{
    private const string Prefix = "spiffe://";

    public override string ToString() => $"{Prefix}{TrustDomain}/ns/{Namespace}/{AppId}";

    /// <summary>daprd's parseSpiffeID: <c>spiffe://td/ns/namespace/app</c>; anything else is no identity.</summary>
    public static SpiffeId? Parse(string? value)
    {
        if (value is null || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string[] parts = value.Split('/');
        return parts.Length < 6 ? null : new SpiffeId(parts[2], parts[4], parts[5]);
    }
}

/// <summary>
/// The <c>accessControl</c> policy of a Configuration, applied by the callee's sidecar to every service invocation it
/// receives from another sidecar, with daprd's semantics (pkg/acl/acl.go, read for dapr 1.16): the global
/// <c>defaultAction</c> applies when the caller has no identity or no policy names it (by app id and namespace) or its
/// trust domain differs; else the policy's <c>defaultAction</c> (falling back to the global one) unless an operation
/// matches (<see cref="OperationTrie"/>); for an HTTP app the verb's action (or <c>*</c>'s) decides, and a call without
/// a verb takes the policy's own <c>defaultAction</c> even when that is empty (= deny), as in daprd; for a gRPC app (and
/// the gRPC proxy) the operation's action decides. HTTP operations are compared in lower case.
/// </summary>
public sealed class AccessControlList
{
    public const string Allow = "allow";
    public const string Deny = "deny";

    /// <summary>daprd's config.DefaultTrustDomain.</summary>
    public const string DefaultTrustDomain = "public";

    private static readonly HashSet<string> Verbs = new(StringComparer.Ordinal) { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" };

    private readonly Dictionary<string, Policy> _policies;
    private readonly bool _appIsHttp;

    private AccessControlList(string defaultAction, string trustDomain, Dictionary<string, Policy> policies, bool appIsHttp)
    {
        DefaultAction = defaultAction;
        TrustDomain = trustDomain;
        _policies = policies;
        _appIsHttp = appIsHttp;
    }

    public string DefaultAction { get; }

    public string TrustDomain { get; }

    /// <summary>
    /// daprd's ParseAccessControlSpec: null when nothing is configured (every call allowed); a global default of deny
    /// when policies exist (or the key <c>policies</c> is absent) without one; every policy needs <c>appId</c>,
    /// <c>trustDomain</c> and <c>namespace</c>, else the sidecar does not start (daprd exits with the same message).
    /// </summary>
    public static AccessControlList? Build(AccessControlSpec? spec, string file, bool appIsHttp)
    {
        if (spec is null || (string.IsNullOrEmpty(spec.TrustDomain) && string.IsNullOrEmpty(spec.DefaultAction) && (spec.Policies is null || spec.Policies.Count == 0)))
        {
            return null;
        }

        string defaultAction = !string.IsNullOrEmpty(spec.DefaultAction)
            ? spec.DefaultAction
            : spec.Policies is null || spec.Policies.Count > 0 ? Deny : Allow;
        var policies = new Dictionary<string, Policy>(StringComparer.Ordinal);
        var missingTrustDomain = new List<string>();
        var missingNamespace = new List<string>();
        bool missingAppId = false;
        foreach (var policy in spec.Policies ?? [])
        {
            missingAppId |= policy.AppId.Length == 0;
            bool invalid = false;
            if (string.IsNullOrEmpty(policy.TrustDomain))
            {
                missingTrustDomain.Add(policy.AppId);
                invalid = true;
            }

            if (string.IsNullOrEmpty(policy.Namespace))
            {
                missingNamespace.Add(policy.AppId);
                invalid = true;
            }

            if (invalid || missingAppId)
            {
                continue;
            }

            var trie = new OperationTrie();
            foreach (var operation in policy.Operations)
            {
                string name = operation.Name.StartsWith('/') ? operation.Name : "/" + operation.Name;
                if (appIsHttp)
                {
                    name = name.ToLowerInvariant();
                }

                var verbs = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (string verb in operation.HttpVerbs)
                {
                    verbs[verb] = operation.Action;
                }

                trie.Add(name, new OperationAction(name, verbs, operation.Action));
            }

            // Two policies for one app id and namespace: the later one wins, as daprd's map assignment does.
            policies[Key(policy.AppId, policy.Namespace!)] = new Policy(policy.DefaultAction ?? "", policy.TrustDomain!, policy.Namespace!, trie);
        }

        if (missingTrustDomain.Count > 0 || missingNamespace.Count > 0 || missingAppId)
        {
            throw new ResourceException(file, "spec.accessControl.policies", string.Create(
                CultureInfo.InvariantCulture,
                $"invalid access control spec. missing trustdomain for apps: [{string.Join(' ', missingTrustDomain)}], missing namespace for apps: [{string.Join(' ', missingNamespace)}], missing app name on at least one of the app policies: {(missingAppId ? "true" : "false")}"));
        }

        return new AccessControlList(defaultAction, string.IsNullOrEmpty(spec.TrustDomain) ? DefaultTrustDomain : spec.TrustDomain, policies, appIsHttp);
    }

    /// <summary>The proto verb name daprd uses (<c>NONE</c> for a call without one, or a method the proto does not know).</summary>
    public static string VerbOf(string? method) => method is not null && Verbs.Contains(method.ToUpperInvariant()) ? method.ToUpperInvariant() : "NONE";

    /// <summary>
    /// daprd's ApplyAccessControlPolicies: <paramref name="operation"/> is the invoked method (HTTP: the path after
    /// <c>/method/</c>, no query; gRPC proxy: <c>/package.Service/Method</c>); <paramref name="verb"/> as
    /// <see cref="VerbOf"/> gives it. <paramref name="grpcProxy"/> evaluates as for a gRPC app whatever this app speaks,
    /// as daprd's proxy does. Returns null when allowed, else daprd's denial message.
    /// </summary>
    public string? DenialOf(SpiffeId? caller, string operation, string verb, bool grpcProxy = false)
    {
        string normalized = Normalize(operation);
        bool http = _appIsHttp && !grpcProxy;
        return IsAllowed(caller, normalized, verb, http)
            ? null
            : $"access control policy has denied access to appid: {caller?.AppId ?? ""} operation: {normalized} verb: {verb}";
    }

    /// <summary>
    /// What purell's FlagsUsuallySafeGreedy | FlagRemoveDuplicateSlashes leave of a path (daprd normalizes the operation
    /// with them): duplicate slashes collapsed, dot segments removed, one trailing slash removed, escapes of unreserved
    /// characters decoded and the others upper-cased.
    /// </summary>
    internal static string Normalize(string operation)
    {
        var decoded = new StringBuilder(operation.Length);
        for (int i = 0; i < operation.Length; i++)
        {
            if (operation[i] == '%' && i + 2 < operation.Length && Uri.IsHexDigit(operation[i + 1]) && Uri.IsHexDigit(operation[i + 2]))
            {
                char c = (char)Convert.ToInt32(operation.Substring(i + 1, 2), 16);
                decoded.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' ? c.ToString() : "%" + operation.Substring(i + 1, 2).ToUpperInvariant());
                i += 2;
                continue;
            }

            decoded.Append(operation[i]);
        }

        bool rooted = decoded.Length > 0 && decoded[0] == '/';
        var segments = new List<string>();
        foreach (string segment in decoded.ToString().Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        return (rooted ? "/" : "") + string.Join('/', segments);
    }

    private static string Key(string appId, string ns) => appId + "||" + ns;

    private static bool Allowed(string? action) => string.Equals(action, Allow, StringComparison.OrdinalIgnoreCase);

    private bool IsAllowed(SpiffeId? caller, string operation, string verb, bool http)
    {
        string action = DefaultAction;
        if (caller is null || caller.AppId.Length == 0 || !_policies.TryGetValue(Key(caller.AppId, caller.Namespace), out var policy)
            || policy.TrustDomain != caller.TrustDomain || policy.Namespace != caller.Namespace)
        {
            return Allowed(action);
        }

        if (policy.DefaultAction.Length > 0)
        {
            action = policy.DefaultAction;
        }

        string path = operation.StartsWith('/') ? operation : "/" + operation;
        if (http)
        {
            path = path.ToLowerInvariant();
        }

        if (policy.Operations.Search(path) is { } match)
        {
            if (!http)
            {
                action = match.Action;
            }
            else if (verb == "NONE")
            {
                action = policy.DefaultAction;
            }
            else if (match.VerbActions.TryGetValue(verb, out string? verbAction) || match.VerbActions.TryGetValue("*", out verbAction))
            {
                action = verbAction;
            }
        }

        return Allowed(action);
    }

    private sealed record Policy(string DefaultAction, string TrustDomain, string Namespace, OperationTrie Operations);
}
