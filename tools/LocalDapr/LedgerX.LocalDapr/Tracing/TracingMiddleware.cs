using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tracing;

/// <summary>A SERVER span per API call (HTTP and gRPC), parented on the caller's traceparent.</summary>
internal sealed class TracingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly SidecarTracer _tracer;

    public TracingMiddleware(RequestDelegate next, SidecarTracer tracer)
    {
        _next = next;
        _tracer = tracer;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/v1.0/healthz", StringComparison.Ordinal) || path.StartsWith("/grpc.reflection.", StringComparison.Ordinal))
        {
            await _next(context);
            return;
        }

        // gRPC paths are /package.Service/Method; daprd names spans after the API, e.g. CallLocal/.. or /dapr.proto...
        bool grpc = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
        string name = grpc ? path : $"{context.Request.Method} {path}";
        using var span = _tracer.Start(name, ActivityKind.Server, context.Request.Headers["traceparent"].FirstOrDefault(),
        [
            new("rpc.system", grpc ? "grpc" : "http"),
            new("http.method", context.Request.Method),
            new("http.target", path),
        ]);
        await _next(context);
        span.SetTag("http.status_code", context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (grpc)
        {
            var trailers = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()?.Trailers;
            string? status = trailers?["grpc-status"].FirstOrDefault() ?? context.Response.Headers["grpc-status"].FirstOrDefault();
            span.SetTag("rpc.grpc.status_code", status);
        }
    }
}
