using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Api;

/// <summary>
/// DAPR_API_TOKEN enforcement as daprd does it (RT pkg/api/http/middlewares.go, pkg/api/grpc/auth.go): every
/// HTTP and gRPC call must carry <c>dapr-api-token</c>, except <c>GET /v1.0/healthz</c> and
/// <c>/v1.0/healthz/outbound</c>. gRPC reflection is not exempt (daprd's interceptor covers it too); the 1.19
/// SDK then falls back to calling the RPCs directly, as it does against daprd with a token set.
/// </summary>
internal sealed class ApiTokenMiddleware
{
    private readonly RequestDelegate _next;
    private readonly string _token;

    public ApiTokenMiddleware(RequestDelegate next, string token)
    {
        _next = next;
        _token = token;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "";
        if (path is "/v1.0/healthz" or "/v1.0/healthz/outbound"
            || System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(context.Request.Headers["dapr-api-token"].ToString()),
                System.Text.Encoding.UTF8.GetBytes(_token)))
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
}
