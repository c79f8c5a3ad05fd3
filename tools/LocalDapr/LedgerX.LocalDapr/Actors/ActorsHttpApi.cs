using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LedgerX.LocalDapr.Actors;

/// <summary>
/// daprd's actor HTTP API (pkg/api/http/actors.go). The SDK sends <c>//v1.0/actors/...</c>: the host must collapse the double
/// slash before routing, as LocalDaprSidecar's <c>CleanPathMiddleware</c> does. Errors are answered here in daprd's
/// <c>{"errorCode","message"}</c> shape, so the API needs no error middleware.
/// </summary>
public static class ActorsHttpApi
{
    private const string Prefix = "/v1.0/actors/{actorType}/{actorId}";

    public static IEndpointRouteBuilder MapActorsApi(this IEndpointRouteBuilder endpoints, LocalActors actors)
    {
        ArgumentNullException.ThrowIfNull(actors);
        endpoints.MapMethods(Prefix + "/method/{method}", ["PUT", "POST", "GET", "DELETE"], (HttpContext context, string actorType, string actorId, string method) =>
            GuardAsync(context, () => InvokeAsync(actors, context, actorType, actorId, method)));
        endpoints.MapGet(Prefix + "/state/{key}", (HttpContext context, string actorType, string actorId, string key) =>
            GuardAsync(context, () => GetStateAsync(actors, context, actorType, actorId, key)));
        endpoints.MapMethods(Prefix + "/state", ["PUT", "POST"], (HttpContext context, string actorType, string actorId) =>
            GuardAsync(context, () => SaveStateAsync(actors, context, actorType, actorId)));
        endpoints.MapMethods(Prefix + "/reminders/{name}", ["PUT", "POST"], (HttpContext context, string actorType, string actorId, string name) =>
            GuardAsync(context, () => CreateReminderAsync(actors, context, actorType, actorId, name)));
        endpoints.MapGet(Prefix + "/reminders/{name}", (HttpContext context, string actorType, string actorId, string name) =>
            GuardAsync(context, () => GetReminderAsync(actors, context, actorType, actorId, name)));
        endpoints.MapDelete(Prefix + "/reminders/{name}", (HttpContext context, string actorType, string actorId, string name) =>
            GuardAsync(context, async () =>
            {
                await actors.DeleteReminderAsync(actorType, actorId, name, context.RequestAborted);
                return Results.NoContent();
            }));
        endpoints.MapMethods(Prefix + "/timers/{name}", ["PUT", "POST"], (HttpContext context, string actorType, string actorId, string name) =>
            GuardAsync(context, () => CreateTimerAsync(actors, context, actorType, actorId, name)));
        endpoints.MapDelete(Prefix + "/timers/{name}", (HttpContext context, string actorType, string actorId, string name) =>
            GuardAsync(context, async () =>
            {
                await actors.DeleteTimerAsync(actorType, actorId, name, context.RequestAborted);
                return Results.NoContent();
            }));
        return endpoints;
    }

    private static async Task<IResult> GuardAsync(HttpContext context, Func<Task<IResult>> handler)
    {
        try
        {
            return await handler();
        }
        catch (DaprApiException ex)
        {
            return Error(ex.HttpStatus, ex.ErrorCode, ex.Message);
        }
        catch (BadHttpRequestException ex)
        {
            return Error(ex.StatusCode, "ERR_MALFORMED_REQUEST", ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return Error(StatusCodes.Status500InternalServerError, "ERR_INTERNAL", ex.Message);
        }
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Content(new JsonObject { ["errorCode"] = code, ["message"] = message }.ToJsonString(), "application/json", Encoding.UTF8, status);

    private static async Task<IResult> InvokeAsync(LocalActors actors, HttpContext context, string actorType, string actorId, string method)
    {
        byte[] body = await ReadBodyAsync(context.Request);
        var headers = context.Request.Headers.Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.Where(v => v is not null).Select(v => v!).ToArray())).ToList();
        var result = await actors.InvokeMethodAsync(actorType, actorId, method, body, context.Request.ContentType, headers, context.RequestAborted);
        return new ActorCallHttpResult(result);
    }

    private static async Task<IResult> GetStateAsync(LocalActors actors, HttpContext context, string actorType, string actorId, string key)
    {
        var entry = await actors.GetStateAsync(actorType, actorId, key, context.RequestAborted);
        if (entry is null)
        {
            return Results.NoContent();
        }

        if (entry.TtlExpireTime is { } expires)
        {
            context.Response.Headers["metadata.ttlExpireTime"] = expires;
        }

        return Results.Bytes(entry.Value, "application/json");
    }

    private static async Task<IResult> SaveStateAsync(LocalActors actors, HttpContext context, string actorType, string actorId)
    {
        var array = await ReadJsonAsync(context.Request) as JsonArray ?? throw DaprApiException.Malformed("failed to parse actor state operations: expected a JSON array");
        var operations = new List<ActorStateOperation>(array.Count);
        foreach (var node in array)
        {
            if (node is not JsonObject op || op["request"] is not JsonObject request)
            {
                throw DaprApiException.Malformed("failed to parse actor state operations: each item needs \"operation\" and \"request\"");
            }

            string operation = Text(op, "operation") ?? "";
            string key = Text(request, "key") ?? "";
            byte[]? value = request.ContainsKey("value") ? Encoding.UTF8.GetBytes(request["value"]?.ToJsonString() ?? "null") : null;
            operations.Add(new ActorStateOperation(operation, key, value, Ttl(request["metadata"] as JsonObject)));
        }

        await actors.SaveStateAsync(actorType, actorId, operations, context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> CreateReminderAsync(LocalActors actors, HttpContext context, string actorType, string actorId, string name)
    {
        var body = await ReadJsonAsync(context.Request) as JsonObject ?? new JsonObject();
        var request = new ActorReminderRequest(body["data"]?.DeepClone(), Text(body, "dueTime"), Text(body, "period"), Text(body, "ttl"));
        await actors.CreateReminderAsync(actorType, actorId, name, request, context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> GetReminderAsync(LocalActors actors, HttpContext context, string actorType, string actorId, string name)
    {
        var reminder = await actors.GetReminderAsync(actorType, actorId, name, context.RequestAborted);

        // The 1.19 SDK reads a JSON null (or an object without reminder fields) as "no such reminder"; any error
        // status makes its interactor throw before its own 500 check is reached.
        return Results.Content(reminder?.ToJsonString() ?? "null", "application/json");
    }

    private static async Task<IResult> CreateTimerAsync(LocalActors actors, HttpContext context, string actorType, string actorId, string name)
    {
        var body = await ReadJsonAsync(context.Request) as JsonObject ?? new JsonObject();
        var request = new ActorTimerRequest(body["data"]?.DeepClone(), Text(body, "dueTime"), Text(body, "period"), Text(body, "ttl"), Text(body, "callback"));
        await actors.CreateTimerAsync(actorType, actorId, name, request, context.RequestAborted);
        return Results.NoContent();
    }

    private static TimeSpan? Ttl(JsonObject? metadata)
    {
        string? text = metadata is null ? null : Text(metadata, "ttlInSeconds");
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seconds) || seconds < -1)
        {
            throw DaprApiException.Malformed($"ttlInSeconds '{text}' is not an integer >= -1");
        }

        return seconds <= 0 ? null : TimeSpan.FromSeconds(seconds);
    }

    private static string? Text(JsonObject o, string name) => o[name] switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpRequest request)
    {
        byte[] body = await ReadBodyAsync(request);
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException ex)
        {
            throw DaprApiException.Malformed($"failed deserializing HTTP body: {ex.Message}");
        }
    }

    /// <summary>Writes the app's answer back unchanged: status, headers (the actor error header among them) and body.</summary>
    private sealed class ActorCallHttpResult(ActorCallResult result) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = result.StatusCode;
            foreach (var (name, values) in result.Headers)
            {
                response.Headers.Append(name, values);
            }

            if (result.ContentType is not null)
            {
                response.ContentType = result.ContentType;
            }

            response.ContentLength = result.Body.Length;
            await response.Body.WriteAsync(result.Body, httpContext.RequestAborted);
        }
    }
}
