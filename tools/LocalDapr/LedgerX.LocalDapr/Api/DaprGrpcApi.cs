using System.Diagnostics;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LedgerX.LocalDapr.Bindings;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.State;

namespace LedgerX.LocalDapr.Api;

/// <summary>
/// The <c>dapr.proto.runtime.v1.Dapr</c> RPCs this sidecar serves, implemented over the SDK's own generated
/// message types (Dapr.Protos) so the wire format cannot drift. Bound by <see cref="DaprGrpcMethodProvider"/>.
/// </summary>
public sealed class DaprGrpcApi
{
    private readonly SidecarRuntime _runtime;

    public DaprGrpcApi(SidecarRuntime runtime) => _runtime = runtime;

    public async Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        var entry = await Guard(() => _runtime.State.GetAsync(request.StoreName, request.Key, context.CancellationToken));
        var response = new GetStateResponse();
        if (entry is not null)
        {
            // Missing key: OK with empty data and etag (spec §2), which the SDK maps to default(T).
            response.Data = ByteString.CopyFrom(entry.Value);
            response.Etag = entry.ETag;
            if (entry.ExpiresAt is { } at)
            {
                response.Metadata["ttlExpireTime"] = at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
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
        await Guard(() => _runtime.PubSub.PublishAsync(publish, context.CancellationToken));
        return new Empty();
    }

    public async Task<BulkPublishResponse> BulkPublishEvent(BulkPublishRequest request, ServerCallContext context)
    {
        // Names are validated for the whole request first, as daprd does, so a bad pubsub is a call error.
        Guard(() => _runtime.PubSub.Resolve(request.PubsubName, request.Topic));
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
        var result = await Guard(() => _runtime.Bindings.InvokeAsync(request.Name, request.Operation, request.Data.ToByteArray(), request.Metadata, context.CancellationToken));
        var response = new InvokeBindingResponse { Data = ByteString.CopyFrom(result.Data) };
        response.Metadata.Add(new Dictionary<string, string>(result.Metadata));
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
