using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Api;

/// <summary>Writes daprd's HTTP error body <c>{"errorCode","message"}</c> for any <see cref="DaprApiException"/>.</summary>
internal sealed class HttpErrorMiddleware
{
    private readonly RequestDelegate _next;

    public HttpErrorMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await _next(context);
        }
        catch (DaprApiException ex) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, ex.HttpStatus, ex.ErrorCode, ex.Message);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, ex.StatusCode, "ERR_MALFORMED_REQUEST", ex.Message);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            // Never a bare 500: callers (and the SDK's error parsing) always get daprd's JSON error shape.
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "ERR_INTERNAL", ex.Message);
        }
    }

    public static Task WriteAsync(HttpContext context, int status, string errorCode, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["errorCode"] = errorCode, ["message"] = message }.ToJsonString());
    }
}

/// <summary>Collapses <c>//v1.0/...</c> to <c>/v1.0/...</c>: the SDK's actor client sends the double slash (spec §4) and daprd cleans it.</summary>
internal sealed class CleanPathMiddleware
{
    private readonly RequestDelegate _next;

    public CleanPathMiddleware(RequestDelegate next) => _next = next;

    public Task InvokeAsync(HttpContext context)
    {
        string? path = context.Request.Path.Value;
        if (path is not null && path.Contains("//", StringComparison.Ordinal) && !path.StartsWith("/v1.0/invoke/", StringComparison.Ordinal))
        {
            while (path.Contains("//", StringComparison.Ordinal))
            {
                path = path.Replace("//", "/", StringComparison.Ordinal);
            }

            context.Request.Path = path;
        }

        return _next(context);
    }
}
