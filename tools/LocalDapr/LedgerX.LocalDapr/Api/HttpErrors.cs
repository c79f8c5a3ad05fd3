using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Rpc;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Api;

/// <summary>
/// Writes daprd's HTTP error body <c>{"errorCode","message"}</c> for any <see cref="DaprApiException"/>, plus
/// <c>details[]</c> when the error has google.rpc details, rendered as dapr/kit's <c>JSONErrorValue</c> does
/// (snake_case field names, <c>@type</c> = <c>type.googleapis.com/google.rpc.X</c>).
/// </summary>
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
            await WriteAsync(context, ex.HttpStatus, ex.ErrorCode, ex.Message, ex.Details);
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

    public static Task WriteAsync(HttpContext context, int status, string errorCode, string message, IReadOnlyList<IMessage>? details = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Body(errorCode, message, details).ToJsonString());
    }

    public static JsonObject Body(string errorCode, string message, IReadOnlyList<IMessage>? details = null)
    {
        var body = new JsonObject { ["errorCode"] = errorCode, ["message"] = message };
        if (details is { Count: > 0 })
        {
            body["details"] = new JsonArray([.. details.Select(Detail)]);
        }

        return body;
    }

    private static JsonObject Detail(IMessage detail)
    {
        var json = new JsonObject { ["@type"] = "type.googleapis.com/" + detail.Descriptor.FullName };
        switch (detail)
        {
            case ErrorInfo info:
                json["reason"] = info.Reason;
                json["domain"] = info.Domain;
                // Go marshals the nil map daprd passes for "no metadata" as null.
                json["metadata"] = info.Metadata.Count == 0 ? null : new JsonObject(info.Metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
                break;
            case ResourceInfo resource:
                json["resource_type"] = resource.ResourceType;
                json["resource_name"] = resource.ResourceName;
                json["owner"] = resource.Owner;
                json["description"] = resource.Description;
                break;
            case BadRequest badRequest:
                json["field_violations"] = new JsonArray([.. badRequest.FieldViolations.Select(v => (JsonNode)new JsonObject { ["field"] = v.Field, ["description"] = v.Description })]);
                break;
        }

        return json;
    }
}

/// <summary>Collapses <c>//v1.0/...</c> to <c>/v1.0/...</c>: the .NET SDK's actor client sends the double slash and daprd cleans it (pkg/api/http/middlewares.go <c>CleanPathMiddleware</c>).</summary>
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
