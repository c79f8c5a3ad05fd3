using Microsoft.AspNetCore.Http.Features;

namespace LedgerX.Gateway.Api.Security;

/// <summary>
/// Refuses request targets that could reach a path other than the one routed: dot segments (<c>/../</c>, <c>/./</c>),
/// encoded slashes, backslashes and dots (<c>%2F</c>, <c>%5C</c>, <c>%2E</c>), a backslash, or an absolute-form target
/// (<c>GET http://other-host/...</c>). Kestrel would normalise some of these, the sidecar and the service might decode
/// others once more; refusing them all (400 <c>unsafe_path</c>) means the path the gateway routes on is the path the
/// service sees. No LedgerX route needs any of them.
/// </summary>
internal static class UnsafePathGuard
{
    public const string Code = "unsafe_path";

    private static readonly string[] Forbidden = ["%2f", "%5c", "%2e", "\\", "/../", "/./", "%25"];

    public static IApplicationBuilder UseUnsafePathGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        if (IsUnsafe(raw))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await GatewayProblems.WriteAsync(context, StatusCodes.Status400BadRequest, Code,
                "The request path holds dot segments, encoded separators or an absolute URI; send the plain path.");
            return;
        }
        await next(context);
    });

    public static bool IsUnsafe(string rawTarget)
    {
        // Only the path counts: a query value may hold anything (encoded), it never selects a route.
        var path = rawTarget.Split('?', 2)[0];
        if (!path.StartsWith('/'))
        {
            return true;
        }
        var lowered = path.ToLowerInvariant();
        return Forbidden.Any(f => lowered.Contains(f, StringComparison.Ordinal)) || lowered.EndsWith("/..", StringComparison.Ordinal)
            || lowered.EndsWith("/.", StringComparison.Ordinal);
    }
}
