using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LedgerX.LocalDapr.Metrics;

/// <summary>Counts and times every API call (HTTP and gRPC) for <see cref="SidecarMetrics"/>.</summary>
internal sealed class MetricsMiddleware
{
    private readonly RequestDelegate _next;
    private readonly SidecarMetrics _metrics;

    public MetricsMiddleware(RequestDelegate next, SidecarMetrics metrics)
    {
        _next = next;
        _metrics = metrics;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await _next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
            {
                var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
                string code = trailers?["grpc-status"].FirstOrDefault() ?? context.Response.Headers["grpc-status"].FirstOrDefault() ?? "0";
                _metrics.GrpcServerCompleted(context.Request.Path.Value?.TrimStart('/') ?? "", GrpcStatusName(code), elapsed);
            }
            else
            {
                _metrics.HttpServerRequest(context.Request.Method, context.Response.StatusCode, elapsed);
            }
        }
    }

    /// <summary>daprd labels gRPC statuses by name (OK, NOT_FOUND, ...).</summary>
    private static string GrpcStatusName(string code) => code switch
    {
        "0" => "OK",
        "1" => "CANCELLED",
        "2" => "UNKNOWN",
        "3" => "INVALID_ARGUMENT",
        "4" => "DEADLINE_EXCEEDED",
        "5" => "NOT_FOUND",
        "6" => "ALREADY_EXISTS",
        "7" => "PERMISSION_DENIED",
        "8" => "RESOURCE_EXHAUSTED",
        "9" => "FAILED_PRECONDITION",
        "10" => "ABORTED",
        "11" => "OUT_OF_RANGE",
        "12" => "UNIMPLEMENTED",
        "13" => "INTERNAL",
        "14" => "UNAVAILABLE",
        "15" => "DATA_LOSS",
        "16" => "UNAUTHENTICATED",
        _ => code,
    };
}
