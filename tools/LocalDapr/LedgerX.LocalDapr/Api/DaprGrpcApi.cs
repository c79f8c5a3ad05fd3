using System.Diagnostics;
using System.Text;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LedgerX.LocalDapr.Actors;
using LedgerX.LocalDapr.Bindings;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Invocation;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.State;

namespace LedgerX.LocalDapr.Api;

/// <summary>
/// The <c>dapr.proto.runtime.v1.Dapr</c> RPCs this sidecar serves, implemented over the SDK's own generated
/// message types (Dapr.Protos) so the wire format cannot drift. Bound by <see cref="DaprGrpcMethodProvider"/>.
/// </summary>
public sealed class DaprGrpcApi
{
    /// <summary>gRPC metadata that belongs to the transport or the Dapr API, never forwarded to the target app.</summary>
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "dapr-api-token", "content-type", "te", "grpc-accept-encoding", "grpc-encoding", "grpc-timeout", "user-agent", "host",
        SidecarHop.Header, SidecarHop.TokenHeader, SidecarHop.IdentityHeader,
    };

    private readonly SidecarRuntime _runtime;
    private readonly LocalActors _actors;

    public DaprGrpcApi(SidecarRuntime runtime, LocalActors actors)
    {
        _runtime = runtime;
        _actors = actors;
    }

    /// <summary>
    /// <c>InvokeService</c> (gRPC to an HTTP app, as daprd's deprecated path): the verb and query come from
    /// <c>http_extension</c> (NONE is refused as daprd's HTTP channel refuses it), the caller's metadata goes as
    /// headers, and the app's status comes back in <c>dapr-http-status</c>; a non-2xx answer is the gRPC error daprd
    /// derives from it (invokev1.ErrorFromHTTPResponseCode: code, status text, ErrorInfo with http.code/http.error_message).
    /// </summary>
    public async Task<Dapr.Client.Autogen.Grpc.v1.InvokeResponse> InvokeService(InvokeServiceRequest request, ServerCallContext context)
    {
        var message = request.Message ?? new Dapr.Client.Autogen.Grpc.v1.InvokeRequest();
        var verb = message.HttpExtension?.Verb ?? HTTPExtension.Types.Verb.None;
        // A gRPC app takes the message as is (NONE is its normal verb); an HTTP app's channel refuses NONE and CONNECT.
        if (verb is HTTPExtension.Types.Verb.None or HTTPExtension.Types.Verb.Connect && !_runtime.Invoker.TargetSpeaksGrpc(request.Id))
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {request.Id}, err: rpc error: code = InvalidArgument desc = invalid HTTP verb").ToRpcException();
        }

        string query = message.HttpExtension?.Querystring ?? "";
        string path = "/" + message.Method.TrimStart('/') + (query.Length > 0 ? "?" + query : "");
        var headers = context.RequestHeaders
            .Where(h => !NotForwarded.Contains(h.Key) && !h.Key.StartsWith(':'))
            .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            // Binary metadata (-bin) travels base64-encoded as headers do; a gRPC app gets the bytes back.
            .Select(g => new KeyValuePair<string, string[]>(g.Key, [.. g.Select(h => h.IsBinary ? Convert.ToBase64String(h.ValueBytes) : h.Value)]))
            .ToList();
        string? contentType = NullIfEmpty(message.ContentType);
        var invocation = new InvocationRequest(request.Id, verb.ToString().ToUpperInvariant(), path, headers, message.Data?.Value.ToByteArray() ?? [], contentType);

        var answer = await Guard(() => _runtime.Invoker.InvokeAsync(invocation, null, null, context.CancellationToken));
        if (answer.GrpcStatus is { } appStatus)
        {
            return await GrpcAppAnswer(answer, appStatus, context);
        }

        await context.WriteResponseHeadersAsync(new Metadata { { "dapr-http-status", answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        if (answer.Status is < 200 or >= 300)
        {
            throw HttpFailure(answer.Status, Encoding.UTF8.GetString(answer.Body));
        }

        string responseType = answer.Headers.FirstOrDefault(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault() ?? "";
        return new Dapr.Client.Autogen.Grpc.v1.InvokeResponse { Data = new Any { Value = ByteString.CopyFrom(answer.Body) }, ContentType = responseType };
    }

    /// <summary><c>InvokeActor</c>: the same turn-based call as <c>PUT /v1.0/actors/{type}/{id}/method/{m}</c>; the answer's bytes as <c>data</c>.</summary>
    public async Task<InvokeActorResponse> InvokeActor(InvokeActorRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.ActorType) || string.IsNullOrWhiteSpace(request.ActorId))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "invalid actorType or actorId: the name is empty"));
        }

        var headers = request.Metadata.Select(kv => new KeyValuePair<string, string[]>(kv.Key, [kv.Value])).ToList();
        var result = await Guard(() => _actors.InvokeMethodAsync(request.ActorType, request.ActorId, request.Method, request.Data.ToByteArray(), null, headers, context.CancellationToken));
        return new InvokeActorResponse { Data = ByteString.CopyFrom(result.Body) };
    }

    public async Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        var entry = await Guard(() => _runtime.State.GetAsync(request.StoreName, request.Key, context.CancellationToken));
        var response = new GetStateResponse();
        if (entry is not null)
        {
            // Missing key: OK with empty data and etag, as daprd's GetState answers (pkg/api/grpc/grpc.go), which the SDK maps to default(T).
            response.Data = ByteString.CopyFrom(entry.Value);
            response.Etag = entry.ETag;
            if (entry.TtlExpireTime is { } expires)
            {
                response.Metadata["ttlExpireTime"] = expires;
            }
        }

        return response;
    }

    public async Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context)
    {
        var items = await Guard(() => _runtime.State.GetBulkAsync(request.StoreName, request.Keys, context.CancellationToken));
        var response = new GetBulkStateResponse();
        foreach (var (key, entry, error) in items)
        {
            var item = new BulkStateItem { Key = key, Error = error ?? "" };
            if (entry is not null)
            {
                item.Data = ByteString.CopyFrom(entry.Value);
                item.Etag = entry.ETag;
                if (entry.TtlExpireTime is { } expires)
                {
                    item.Metadata["ttlExpireTime"] = expires;
                }
            }

            response.Items.Add(item);
        }

        return response;
    }

    public async Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        var items = request.States
            .Select(s => new SaveItem(s.Key, s.Value.ToByteArray(), s.Etag?.Value, s.Metadata, Concurrency(s.Options)))
            .ToList();
        await Guard(() => _runtime.State.SaveAsync(request.StoreName, items, context.CancellationToken));
        return new Empty();
    }

    public async Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        await Guard(() => _runtime.State.DeleteAsync(request.StoreName, request.Key, request.Etag?.Value, context.CancellationToken, Concurrency(request.Options)));
        return new Empty();
    }

    public async Task<Empty> DeleteBulkState(DeleteBulkStateRequest request, ServerCallContext context)
    {
        foreach (var item in request.States)
        {
            await Guard(() => _runtime.State.DeleteAsync(request.StoreName, item.Key, item.Etag?.Value, context.CancellationToken, Concurrency(item.Options)));
        }

        return new Empty();
    }

    public async Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context)
    {
        var items = request.Operations
            .Select(o => new TransactionItem(o.OperationType, o.Request.Key, o.Request.Value.ToByteArray(), o.Request.Etag?.Value, o.Request.Metadata, Concurrency(o.Request.Options)))
            .ToList();
        await Guard(() => _runtime.State.ExecuteTransactionAsync(request.StoreName, items, context.CancellationToken));
        return new Empty();
    }

    public async Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        var (traceParent, traceState) = Trace(context);
        var publish = new PublishRequest(request.PubsubName, request.Topic, request.Data.ToByteArray(), NullIfEmpty(request.DataContentType), request.Metadata, traceParent, traceState);
        await Guard(() => _runtime.PubSub.PublishAsync(publish, context.CancellationToken, grpcApi: true));
        return new Empty();
    }

    public async Task<BulkPublishResponse> BulkPublishEvent(BulkPublishRequest request, ServerCallContext context)
    {
        // Names are validated for the whole request first, as daprd does, so a bad pubsub is a call error.
        Guard(() => _runtime.PubSub.ResolveForPublish(request.PubsubName, request.Topic, request.Metadata, grpcApi: true));
        var (traceParent, traceState) = Trace(context);
        var response = new BulkPublishResponse();
        foreach (var entry in request.Entries)
        {
            var metadata = new Dictionary<string, string>(request.Metadata, StringComparer.Ordinal);
            foreach (var (k, v) in entry.Metadata)
            {
                metadata[k] = v;
            }

            try
            {
                await _runtime.PubSub.PublishAsync(
                    new PublishRequest(request.PubsubName, request.Topic, entry.Event.ToByteArray(), NullIfEmpty(entry.ContentType), metadata, traceParent, traceState),
                    context.CancellationToken);
            }
            catch (DaprApiException ex)
            {
                response.FailedEntries.Add(new BulkPublishResponseFailedEntry { EntryId = entry.EntryId, Error = ex.Message });
            }
        }

        return response;
    }

    public Task<BulkPublishResponse> BulkPublishEventAlpha1(BulkPublishRequest request, ServerCallContext context) => BulkPublishEvent(request, context);

    public Task<GetSecretResponse> GetSecret(GetSecretRequest request, ServerCallContext context)
    {
        var secret = Guard(() => _runtime.Secrets.Get(request.StoreName, request.Key));
        var response = new GetSecretResponse();
        response.Data.Add(new Dictionary<string, string>(secret));
        return Task.FromResult(response);
    }

    public Task<GetBulkSecretResponse> GetBulkSecret(GetBulkSecretRequest request, ServerCallContext context)
    {
        var all = Guard(() => _runtime.Secrets.GetBulk(request.StoreName));
        var response = new GetBulkSecretResponse();
        foreach (var (key, values) in all)
        {
            var secret = new SecretResponse();
            secret.Secrets.Add(new Dictionary<string, string>(values));
            response.Data[key] = secret;
        }

        return Task.FromResult(response);
    }

    public async Task<InvokeBindingResponse> InvokeBinding(InvokeBindingRequest request, ServerCallContext context)
    {
        // As pkg/api/grpc/grpc.go InvokeBinding: the request's metadata, the trace context if the caller gave none,
        // then the call's own gRPC metadata under keys not already set ("grpc-*" renamed "dapr-grpc-*").
        var metadata = new Dictionary<string, string>(request.Metadata, StringComparer.Ordinal);
        if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } span)
        {
            metadata.TryAdd("traceparent", span.Id!);
            if (!string.IsNullOrEmpty(span.TraceStateString))
            {
                metadata.TryAdd("tracestate", span.TraceStateString);
            }
        }

        foreach (var entry in context.RequestHeaders.Where(e => !e.IsBinary))
        {
            string key = entry.Key.StartsWith("grpc-", StringComparison.Ordinal) ? "dapr-" + entry.Key : entry.Key;
            if (!metadata.ContainsKey(key) || key is "traceparent" or "tracestate")
            {
                metadata[key] = entry.Value;
            }
        }

        var outcome = await _runtime.Bindings.InvokeAsync(request.Name, request.Operation, request.Data.ToByteArray(), metadata, context.CancellationToken);
        if (outcome.Response is { Metadata.Count: > 0 } withMetadata)
        {
            // daprd sends the binding's response metadata as "metadata.<key>" headers, on failure too.
            var headers = new Grpc.Core.Metadata();
            foreach (var (k, v) in withMetadata.Metadata)
            {
                string key = "metadata." + k.ToLowerInvariant();
                if (key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.') && v.All(c => c is >= ' ' and <= '~'))
                {
                    headers.Add(key, v);
                }
            }

            await context.WriteResponseHeadersAsync(headers);
        }

        var result = await Guard(() => Task.FromResult(outcome.ThrowIfFailed()));
        var response = new InvokeBindingResponse { Data = ByteString.CopyFrom(result?.Data ?? []) };
        response.Metadata.Add(new Dictionary<string, string>(result?.Metadata ?? new Dictionary<string, string>()));
        return response;
    }

    public Task<GetMetadataResponse> GetMetadata(GetMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(_runtime.Metadata.ToGrpc());

    public Task<Empty> SetMetadata(SetMetadataRequest request, ServerCallContext context)
    {
        _runtime.Metadata.SetExtended(request.Key, request.Value);
        return Task.FromResult(new Empty());
    }

    public Task<Empty> Shutdown(ShutdownRequest request, ServerCallContext context)
    {
        _runtime.RequestShutdown();
        return Task.FromResult(new Empty());
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>daprd's invokev1.CodeFromHTTPStatus and ErrorFromHTTPResponseCode.</summary>
    /// <summary>
    /// A gRPC app's answer to <c>InvokeService</c>, as daprd gives it (pkg/api/grpc/grpc.go): the app's own status,
    /// message and details (<c>ErrorFromInternalStatus</c>), its response headers, no <c>dapr-http-status</c>.
    /// </summary>
    private static async Task<Dapr.Client.Autogen.Grpc.v1.InvokeResponse> GrpcAppAnswer(InvocationResponse answer, Google.Rpc.Status status, ServerCallContext context)
    {
        var headers = new Metadata();
        foreach (var (name, values) in answer.Headers.Where(h => !h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && !NotForwarded.Contains(h.Key)))
        {
            foreach (string value in values)
            {
                headers.Add(name.ToLowerInvariant(), value);
            }
        }

        await context.WriteResponseHeadersAsync(headers);
        if (status.Code != (int)StatusCode.OK)
        {
            throw status.ToRpcException();
        }

        string contentType = answer.Headers.FirstOrDefault(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault() ?? "";
        return new Dapr.Client.Autogen.Grpc.v1.InvokeResponse { Data = new Any { Value = ByteString.CopyFrom(answer.Body) }, ContentType = contentType };
    }

    private static RpcException HttpFailure(int httpStatus, string detail)
    {
        var code = httpStatus switch
        {
            408 => StatusCode.Cancelled,
            500 => StatusCode.Unknown,
            400 => StatusCode.Internal,
            504 => StatusCode.DeadlineExceeded,
            404 => StatusCode.NotFound,
            409 => StatusCode.AlreadyExists,
            403 => StatusCode.PermissionDenied,
            401 => StatusCode.Unauthenticated,
            429 => StatusCode.ResourceExhausted,
            501 => StatusCode.Unimplemented,
            503 => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        };
        string text = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(httpStatus);
        var info = new Google.Rpc.ErrorInfo { Reason = text, Domain = DaprApiException.ErrorDomain };
        info.Metadata["http.code"] = httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Metadata["http.error_message"] = detail.Length >= 63 ? detail[..63] : detail;
        var status = new Google.Rpc.Status { Code = (int)code, Message = text, Details = { Any.Pack(info) } };
        return status.ToRpcException();
    }

    /// <summary>daprd's <c>stateConcurrencyToString</c>: the enum as the store's option string.</summary>
    private static string? Concurrency(StateOptions? options) => options?.Concurrency switch
    {
        StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite => "first-write",
        StateOptions.Types.StateConcurrency.ConcurrencyLastWrite => "last-write",
        _ => null,
    };

    private static (string? TraceParent, string? TraceState) Trace(ServerCallContext context)
    {
        // The sidecar's server span (TracingMiddleware) is the parent recorded in the CloudEvent, as in daprd.
        string? traceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : context.RequestHeaders.GetValue("traceparent");
        return (traceParent, context.RequestHeaders.GetValue("tracestate"));
    }

    private static T Guard<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (DaprApiException ex)
        {
            throw ex.ToRpcException();
        }
    }

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (DaprApiException ex)
        {
            throw ex.ToRpcException();
        }
    }

    private static async Task Guard(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (DaprApiException ex)
        {
            throw ex.ToRpcException();
        }
    }
}
