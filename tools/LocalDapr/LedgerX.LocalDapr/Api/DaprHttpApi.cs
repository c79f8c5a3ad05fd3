using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Invocation;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LedgerX.LocalDapr.Api;

/// <summary>daprd's HTTP API (v1.0) for the building blocks this sidecar implements, with daprd's status codes.</summary>
internal static class DaprHttpApi
{
    public static void MapDaprHttpApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1.0/healthz", Healthz);
        app.MapGet("/v1.0/healthz/outbound", () => Results.NoContent());
        app.MapGet("/v1.0/metadata", (SidecarRuntime rt) => Results.Content(rt.Metadata.ToJson().ToJsonString(), "application/json"));
        app.MapPut("/v1.0/metadata/{key}", SetMetadata);
        app.MapPost("/v1.0/shutdown", (SidecarRuntime rt) =>
        {
            rt.RequestShutdown();
            return Results.NoContent();
        });

        app.MapGet("/v1.0/state/{store}/{key}", GetState);
        app.MapPost("/v1.0/state/{store}", SaveState);
        app.MapDelete("/v1.0/state/{store}/{key}", DeleteState);
        app.MapPost("/v1.0/state/{store}/bulk", GetBulkState);
        app.MapMethods("/v1.0/state/{store}/transaction", ["POST", "PUT"], Transaction);

        app.MapPost("/v1.0/publish/{pubsub}/{topic}", Publish);
        app.MapPost("/v1.0/publish/bulk/{pubsub}/{topic}", BulkPublish);
        app.MapPost("/v1.0-alpha1/publish/bulk/{pubsub}/{topic}", BulkPublish);

        app.MapGet("/v1.0/secrets/{store}/bulk", (SidecarRuntime rt, string store) => Results.Json(rt.Secrets.GetBulk(store)));
        app.MapGet("/v1.0/secrets/{store}/{key}", (SidecarRuntime rt, string store, string key) => Results.Json(rt.Secrets.Get(store, key)));

        app.MapMethods("/v1.0/bindings/{name}", ["POST", "PUT"], InvokeBinding);

        app.Map("/v1.0/invoke/{appId}/method/{**path}", (SidecarRuntime rt, string appId, string? path, HttpContext context) => InvokeAsync(rt, appId, path, context));

        // daprd's invoke endpoint is the router's fallback: any other path is an invocation when the target comes from
        // the dapr-app-id header (or Basic auth user dapr-app-id), else 404 ERR_DIRECT_INVOKE (pkg/api/http/directmessaging.go).
        app.MapFallback("{**path}", Fallback);
    }

    private static IResult Healthz(SidecarRuntime rt) =>
        rt.AppReady || rt.Options.AppPort is null
            ? Results.NoContent()
            : Results.Json(new { errorCode = "ERR_HEALTH_NOT_READY", message = "dapr is not ready" }, statusCode: 500);

    private static async Task<IResult> SetMetadata(SidecarRuntime rt, string key, HttpRequest request)
    {
        rt.Metadata.SetExtended(key, Encoding.UTF8.GetString(await ReadBodyAsync(request)));
        return Results.NoContent();
    }

    private static async Task<IResult> GetState(SidecarRuntime rt, string store, string key, HttpContext context)
    {
        var entry = await rt.State.GetAsync(store, key, context.RequestAborted);
        if (entry is null)
        {
            return Results.NoContent();
        }

        context.Response.Headers.ETag = entry.ETag;
        if (entry.TtlExpireTime is { } expires)
        {
            context.Response.Headers["metadata.ttlExpireTime"] = expires;
        }

        return Results.Bytes(entry.Value, "application/json");
    }

    private static async Task<IResult> SaveState(SidecarRuntime rt, string store, HttpRequest request)
    {
        var array = await ReadJsonAsync(request) as JsonArray ?? throw DaprApiException.Malformed("failed to parse state items: expected a JSON array");
        var items = new List<SaveItem>();
        foreach (var node in array)
        {
            if (node is not JsonObject item)
            {
                throw DaprApiException.Malformed("failed to parse state items: each item must be an object");
            }

            items.Add(new SaveItem(
                Text(item, "key") ?? "",
                ValueBytes(item["value"]),
                Text(item, "etag"),
                StringMap(item["metadata"]),
                Concurrency(item)));
        }

        await rt.State.SaveAsync(store, items, request.HttpContext.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> DeleteState(SidecarRuntime rt, string store, string key, HttpRequest request)
    {
        string? etag = request.Headers.IfMatch.ToString();
        await rt.State.DeleteAsync(store, key, string.IsNullOrEmpty(etag) ? null : etag, request.HttpContext.RequestAborted, request.Query["concurrency"].FirstOrDefault());
        return Results.NoContent();
    }

    private static async Task<IResult> GetBulkState(SidecarRuntime rt, string store, HttpRequest request)
    {
        var body = await ReadJsonAsync(request) as JsonObject ?? throw DaprApiException.Malformed("expected {\"keys\":[...]}");
        var keys = (body["keys"] as JsonArray)?.Select(k => k?.GetValue<string>() ?? "").ToList() ?? [];
        var results = await rt.State.GetBulkAsync(store, keys, request.HttpContext.RequestAborted);
        var response = new JsonArray();
        foreach (var (key, entry, error) in results)
        {
            var item = new JsonObject { ["key"] = key };
            if (entry is not null)
            {
                item["data"] = ParseStored(entry.Value);
                item["etag"] = entry.ETag;
                if (entry.TtlExpireTime is { } expires)
                {
                    item["metadata"] = new JsonObject { ["ttlExpireTime"] = expires };
                }
            }

            if (error is not null)
            {
                item["error"] = error;
            }

            response.Add(item);
        }

        return Results.Content(response.ToJsonString(), "application/json");
    }

    private static async Task<IResult> Transaction(SidecarRuntime rt, string store, HttpRequest request)
    {
        var body = await ReadJsonAsync(request) as JsonObject ?? throw DaprApiException.Malformed("expected {\"operations\":[...]}");
        var items = new List<TransactionItem>();
        foreach (var op in (body["operations"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var req = op["request"] as JsonObject ?? throw DaprApiException.Malformed("an operation has no request");
            items.Add(new TransactionItem(
                Text(op, "operation") ?? "",
                Text(req, "key") ?? "",
                req.ContainsKey("value") ? ValueBytes(req["value"]) : null,
                Text(req, "etag"),
                StringMap(req["metadata"]),
                Concurrency(req)));
        }

        await rt.State.ExecuteTransactionAsync(store, items, request.HttpContext.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> Publish(SidecarRuntime rt, string pubsub, string topic, HttpRequest request)
    {
        byte[] body = await ReadBodyAsync(request);
        var publish = new PublishRequest(pubsub, topic, body, request.ContentType ?? (body.Length > 0 ? "application/json" : null), QueryMetadata(request), TraceParent(request), request.Headers["tracestate"].FirstOrDefault());
        await rt.PubSub.PublishAsync(publish, request.HttpContext.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> BulkPublish(SidecarRuntime rt, string pubsub, string topic, HttpRequest request)
    {
        rt.PubSub.ResolveForPublish(pubsub, topic, QueryMetadata(request));
        var entries = await ReadJsonAsync(request) as JsonArray ?? throw DaprApiException.Malformed("expected a JSON array of entries");
        var requestMetadata = QueryMetadata(request);
        var failed = new JsonArray();
        foreach (var entry in entries.OfType<JsonObject>())
        {
            string entryId = Text(entry, "entryId") ?? "";
            var metadata = new Dictionary<string, string>(requestMetadata, StringComparer.Ordinal);
            foreach (var (k, v) in StringMap(entry["metadata"]))
            {
                metadata[k] = v;
            }

            string? contentType = Text(entry, "contentType");
            byte[] data = entry["event"] is JsonValue v2 && v2.TryGetValue(out string? s) && !(contentType?.Contains("json", StringComparison.Ordinal) ?? false)
                ? Encoding.UTF8.GetBytes(s)
                : ValueBytes(entry["event"]);
            try
            {
                await rt.PubSub.PublishAsync(new PublishRequest(pubsub, topic, data, contentType, metadata, TraceParent(request), request.Headers["tracestate"].FirstOrDefault()), request.HttpContext.RequestAborted);
            }
            catch (DaprApiException ex)
            {
                failed.Add(new JsonObject { ["entryId"] = entryId, ["error"] = ex.Message });
            }
        }

        return failed.Count == 0
            ? Results.NoContent()
            : Results.Content(new JsonObject { ["failedEntries"] = failed, ["errorCode"] = "ERR_PUBSUB_PUBLISH_MESSAGE" }.ToJsonString(), "application/json", statusCode: 500);
    }

    private static async Task<IResult> InvokeBinding(SidecarRuntime rt, string name, HttpRequest request)
    {
        var body = await ReadJsonAsync(request) as JsonObject ?? throw DaprApiException.Malformed("expected {\"data\":...,\"operation\":...}");
        // daprd re-marshals `data` to JSON (pkg/api/http/http.go onOutputBindingMessage): a string arrives at the binding
        // quoted, which is why bindings such as smtp and localstorage unquote it; absent data is `null`.
        byte[] data = Bindings.GoText.MarshalLikeGo(body["data"]);
        var metadata = StringMap(body["metadata"]);
        if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } span)
        {
            // The trace context reaches bindings.http as headers, as daprd passes it in the request metadata.
            metadata["traceparent"] = span.Id!;
            if (!string.IsNullOrEmpty(span.TraceStateString))
            {
                metadata["tracestate"] = span.TraceStateString;
            }
        }

        var outcome = await rt.Bindings.InvokeAsync(name, Text(body, "operation") ?? "", data, metadata, request.HttpContext.RequestAborted);
        foreach (var (k, val) in outcome.Response?.Metadata ?? new Dictionary<string, string>())
        {
            // Set even when the binding failed: bindings.http answers a non-2xx status with its status and headers.
            request.HttpContext.Response.Headers["Metadata." + k] = val;
        }

        return outcome.ThrowIfFailed() is { } result ? Results.Bytes(result.Data, "application/json") : Results.NoContent();
    }

    private static Task Fallback(SidecarRuntime rt, HttpContext context)
    {
        if (context.Request.Protocol == "HTTP/2")
        {
            // The gRPC port: not an HTTP API call.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        string method = CleanMethod(context.Request.Path.Value ?? "");
        string? target = context.Request.Headers["dapr-app-id"].FirstOrDefault(v => !string.IsNullOrEmpty(v));
        bool fromBasicAuth = false;
        if (target is null && BasicAuthAppId(context.Request.Headers.Authorization.ToString()) is { } basic)
        {
            target = basic;
            fromBasicAuth = true;
        }

        if (target is null)
        {
            throw new DaprApiException(Grpc.Core.StatusCode.NotFound, 404, "ERR_DIRECT_INVOKE", "failed getting app id either from the URL path or the header dapr-app-id");
        }

        return InvokeAsync(rt, target, method, context, fromBasicAuth ? "authorization" : "dapr-app-id");
    }

    /// <summary>Go's <c>strings.TrimPrefix(path.Clean(p), "/")</c> for the method of a header-addressed invocation.</summary>
    private static string CleanMethod(string path)
    {
        var segments = new List<string>();
        foreach (string segment in path.Split('/'))
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

        return string.Join('/', segments);
    }

    /// <summary>daprd's second form: <c>http://dapr-app-id:&lt;app&gt;@localhost:3500/&lt;method&gt;</c>.</summary>
    private static string? BasicAuthAppId(string authorization)
    {
        if (!authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            string[] pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..])).Split(':');
            return pair.Length == 2 && pair[0].Equals("dapr-app-id", StringComparison.OrdinalIgnoreCase) && pair[1].Length > 0 ? pair[1] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static async Task InvokeAsync(SidecarRuntime rt, string appId, string? path, HttpContext context, string? addressingHeader = null)
    {
        var request = context.Request;
        byte[] body = await ReadBodyAsync(request);
        // The header that addressed the call is for the Dapr API only; daprd deletes it before forwarding.
        var headers = request.Headers
            .Where(h => addressingHeader is null || !h.Key.Equals(addressingHeader, StringComparison.OrdinalIgnoreCase))
            .Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.Where(x => x is not null).Select(x => x!).ToArray())).ToList();
        string? forwardedBy = request.Headers[SidecarHop.Header].FirstOrDefault();
        var invocation = new InvocationRequest(appId, request.Method, "/" + (path ?? "") + request.QueryString.Value, headers, body, request.ContentType);
        var response = await rt.Invoker.InvokeAsync(invocation, forwardedBy, request.Headers[SidecarHop.TokenHeader].FirstOrDefault(), context.RequestAborted);

        context.Response.StatusCode = response.Status;
        foreach (var (name, values) in response.Headers)
        {
            context.Response.Headers[name] = values;
        }

        if (forwardedBy is not null && response.GrpcStatus is { } grpcStatus)
        {
            context.Response.Headers[SidecarHop.GrpcStatusHeader] = Convert.ToBase64String(Google.Protobuf.MessageExtensions.ToByteArray(grpcStatus));
        }

        // 1xx, 204 and 304 carry no body, and neither does an answer to HEAD: Kestrel throws on any write there (even an
        // empty one) and then aborts the keep-alive connection, which the caller's next request on it finds dead (a
        // gateway answered 502 that way). Go's net/http, under daprd, drops such a write instead.
        if (!CanHaveBody(response.Status) || HttpMethods.IsHead(request.Method))
        {
            return;
        }

        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
    }

    private static bool CanHaveBody(int status) => status is >= 200 and not 204 and not 304;

    private static string? TraceParent(HttpRequest request) =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } a ? a.Id : request.Headers["traceparent"].FirstOrDefault();

    /// <summary>daprd takes publish metadata from <c>?metadata.key=value</c>.</summary>
    private static Dictionary<string, string> QueryMetadata(HttpRequest request)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Query)
        {
            if (key.StartsWith("metadata.", StringComparison.OrdinalIgnoreCase))
            {
                metadata[key["metadata.".Length..]] = value.ToString();
            }
        }

        return metadata;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpRequest request)
    {
        byte[] body = await ReadBodyAsync(request);
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException ex)
        {
            throw DaprApiException.Malformed($"failed to parse the request body: {ex.Message}");
        }
    }

    /// <summary>daprd's <c>state.SetRequest</c> JSON: <c>"options": {"concurrency": "first-write" | "last-write"}</c>.</summary>
    private static string? Concurrency(JsonObject item) => item["options"] is JsonObject options ? Text(options, "concurrency") : null;

    private static string? Text(JsonObject obj, string key) =>
        obj[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static byte[] ValueBytes(JsonNode? value) => value is null ? [] : Encoding.UTF8.GetBytes(value.ToJsonString());

    private static JsonNode? ParseStored(byte[] value)
    {
        try
        {
            return JsonNode.Parse(value);
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(value);
        }
    }

    private static Dictionary<string, string> StringMap(JsonNode? node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject obj)
        {
            foreach (var (k, v) in obj)
            {
                map[k] = v is JsonValue jv && jv.TryGetValue(out string? s) ? s : v?.ToJsonString() ?? "";
            }
        }

        return map;
    }
}
