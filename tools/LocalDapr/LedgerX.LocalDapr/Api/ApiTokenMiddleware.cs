using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Api;

/// <summary>
/// DAPR_API_TOKEN enforcement as daprd does it (RT pkg/api/http/middlewares.go, pkg/api/grpc/auth.go): every
/// HTTP and gRPC call must carry <c>dapr-api-token</c>, except <c>GET /v1.0/healthz</c> and
/// <c>/v1.0/healthz/outbound</c>. gRPC reflection is not exempt (daprd's interceptor covers it too); the 1.19
/// SDK then falls back to calling the RPCs directly, as it does against daprd with a token set.
/// A hop from another sidecar carries this sidecar's hop token instead: each sidecar has its own DAPR_API_TOKEN, and
/// daprd's sidecar-to-sidecar channel (internal gRPC over mTLS) does not use API tokens either.
/// </summary>
internal sealed class ApiTokenMiddleware
{
    private readonly RequestDelegate _next;
    private readonly byte[] _token;
    private readonly byte[]? _hopToken;

    public ApiTokenMiddleware(RequestDelegate next, string token, string? hopToken = null)
    {
        _next = next;
        _token = System.Text.Encoding.UTF8.GetBytes(token);
        _hopToken = hopToken is null ? null : System.Text.Encoding.UTF8.GetBytes(hopToken);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "";
        if (path is "/v1.0/healthz" or "/v1.0/healthz/outbound"
            || Matches(context.Request.Headers["dapr-api-token"].ToString(), _token)
            || (_hopToken is not null && Matches(context.Request.Headers[Invocation.SidecarHop.TokenHeader].ToString(), _hopToken)))
        {
            await _next(context);
            return;
        }

        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // Trailers-only gRPC response: status 16 (Unauthenticated).
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "16";
            context.Response.Headers["grpc-message"] = "authentication error: api token mismatch";
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("invalid api token\n");
    }

    private static bool Matches(string presented, byte[] expected) =>
        presented.Length > 0 && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented), expected);
}
