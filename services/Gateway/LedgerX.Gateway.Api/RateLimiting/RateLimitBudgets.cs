using System.Net;
using System.Net.Sockets;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Gateway.Api.RateLimiting;

/// <summary>Which budget a request spends, and whose: pure functions of the request, so the partition is the same on
/// every replica.</summary>
internal static class RateLimitBudgets
{
    public const string Writes = "writes";
    public const string Reads = "reads";
    public const string SignIn = "sign-in";
    public const string Nlp = "nlp";
    public const string Live = "live";

    private static readonly string[] SignInPaths = ["/connect/token", "/connect/device", "/account/login", "/account/2fa"];
    private static readonly string[] SignInApiPaths = ["/users/register", "/users/confirm", "/users/password/forgot", "/users/password/reset"];

    public static string Of(HttpRequest request)
    {
        var path = request.Path;
        if (SignInPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
        {
            return SignIn;
        }
        if (ApiRest(path) is { } rest)
        {
            if (SignInApiPaths.Any(p => rest.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
            {
                return SignIn;
            }
            // Asking costs a worker's time (and a model call when one is configured); reading, cancelling and rating an
            // answer do not, and a client polling its answer must not run out of questions.
            if (HttpMethods.IsPost(request.Method) && rest.Equals("/questions", StringComparison.OrdinalIgnoreCase))
            {
                return Nlp;
            }
            if (rest.StartsWithSegments("/live", StringComparison.OrdinalIgnoreCase))
            {
                return Live;
            }
        }
        return HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)
            || HttpMethods.IsDelete(request.Method) ? Writes : Reads;
    }

    /// <summary>The caller a bucket belongs to: the token's subject (a user or, for client credentials, the client), else
    /// the client's address, IPv6 by its /64 (one host usually owns a whole /64, and would otherwise get 2^64 buckets).</summary>
    public static string CallerOf(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            if (user.FindFirst(LedgerXClaims.Subject)?.Value is { Length: > 0 } sub)
            {
                return "sub:" + sub;
            }
            if (user.FindFirst(LedgerXClaims.ClientId)?.Value is { Length: > 0 } client)
            {
                return "client:" + client;
            }
        }
        return "ip:" + Network(context.Connection.RemoteIpAddress);
    }

    private static string Network(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>The path after <c>/api/v{n}</c>, or null for a path outside the API.</summary>
    private static PathString? ApiRest(PathString path)
    {
        if (!path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase, out var afterApi) || !afterApi.HasValue)
        {
            return null;
        }
        var value = afterApi.Value!;
        var end = value.IndexOf('/', 1);
        return end < 0 ? PathString.Empty : new PathString(value[end..]);
    }
}
