using System.Globalization;
using Grpc.Core;
using LedgerX.LocalDapr.Api;

namespace LedgerX.LocalDapr.State;

/// <summary>One item to save, as both APIs receive it.</summary>
public sealed record SaveItem(string Key, byte[] Value, string? ETag, IReadOnlyDictionary<string, string> Metadata);

/// <summary>One transaction operation as both APIs receive it (<c>upsert</c> or <c>delete</c>).</summary>
public sealed record TransactionItem(string Operation, string Key, byte[]? Value, string? ETag, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The state API behind both transports: store lookup, key prefixing and daprd's exact error mapping
/// (spec §2 "State semantics": Aborted on etag mismatch so TrySaveStateAsync returns false, InvalidArgument
/// for an unknown store or bad etag, Internal for every transaction failure).
/// </summary>
public sealed class StateService : IAsyncDisposable
{
    /// <summary>Bounds a bulk get or a transaction so one request cannot monopolise the store.</summary>
    public const int MaxItemsPerRequest = 10_000;

    private readonly string _appId;
    private readonly IReadOnlyDictionary<string, StateComponent> _stores;

    public StateService(string appId, IReadOnlyDictionary<string, StateComponent> stores)
    {
        _appId = appId;
        _stores = stores;
    }

    public IReadOnlyDictionary<string, StateComponent> Stores => _stores;

    public async Task<StateEntry?> GetAsync(string storeName, string key, CancellationToken cancellationToken)
    {
        var store = Resolve(storeName);
        try
        {
            return await store.Store.GetAsync(store.Prefix(_appId, key), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_STATE_GET", $"fail to get {key} from state store {storeName}: {ex.Message}");
        }
    }

    public async Task<IReadOnlyList<(string Key, StateEntry? Entry, string? Error)>> GetBulkAsync(string storeName, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var store = Resolve(storeName);
        CheckCount(keys.Count);
        var result = new List<(string, StateEntry?, string?)>(keys.Count);
        foreach (string key in keys)
        {
            try
            {
                result.Add((key, await store.Store.GetAsync(store.Prefix(_appId, key), cancellationToken), null));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // daprd reports per-item errors in the bulk response instead of failing the call.
                result.Add((key, null, ex.Message));
            }
        }

        return result;
    }

    public async Task SaveAsync(string storeName, IReadOnlyList<SaveItem> items, CancellationToken cancellationToken)
    {
        var store = Resolve(storeName);
        CheckCount(items.Count);
        foreach (var item in items)
        {
            if (string.IsNullOrEmpty(item.Key))
            {
                throw DaprApiException.Malformed("failed saving state: key is empty");
            }

            var write = new StateWrite(store.Prefix(_appId, item.Key), item.Value, NullIfEmpty(item.ETag), Ttl(item.Metadata));
            try
            {
                await store.Store.SetAsync(write, cancellationToken);
            }
            catch (StateETagException ex) when (ex.Failure == ETagFailure.Mismatch)
            {
                throw new DaprApiException(StatusCode.Aborted, 409, "ERR_STATE_SAVE", $"failed saving state in state store {storeName}: possible etag mismatch. error from state store: {ex.Message}");
            }
            catch (StateETagException ex)
            {
                throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_STATE_SAVE", $"failed saving state in state store {storeName}: {ex.Message}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not DaprApiException)
            {
                throw new DaprApiException(StatusCode.Internal, 500, "ERR_STATE_SAVE", $"failed saving state in state store {storeName}: {ex.Message}");
            }
        }
    }

    public async Task DeleteAsync(string storeName, string key, string? etag, CancellationToken cancellationToken)
    {
        var store = Resolve(storeName);
        try
        {
            await store.Store.DeleteAsync(store.Prefix(_appId, key), NullIfEmpty(etag), cancellationToken);
        }
        catch (StateETagException ex) when (ex.Failure == ETagFailure.Mismatch)
        {
            throw new DaprApiException(StatusCode.Aborted, 409, "ERR_STATE_DELETE", $"failed deleting state with key {key}: possible etag mismatch. error from state store: {ex.Message}");
        }
        catch (StateETagException ex)
        {
            throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_STATE_DELETE", $"failed deleting state with key {key}: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_STATE_DELETE", $"failed deleting state with key {key}: {ex.Message}");
        }
    }

    public async Task ExecuteTransactionAsync(string storeName, IReadOnlyList<TransactionItem> items, CancellationToken cancellationToken)
    {
        var store = Resolve(storeName);
        CheckCount(items.Count);
        var operations = new List<StateOperation>(items.Count);
        foreach (var item in items)
        {
            string key = store.Prefix(_appId, item.Key);
            operations.Add(item.Operation switch
            {
                "upsert" => new StateOperation(key, new StateWrite(key, item.Value ?? [], NullIfEmpty(item.ETag), Ttl(item.Metadata)), null),
                "delete" => new StateOperation(key, null, NullIfEmpty(item.ETag)),
                _ => throw new DaprApiException(StatusCode.Unimplemented, 400, "ERR_NOT_SUPPORTED_STATE_OPERATION", $"operation type {item.Operation} not supported"),
            });
        }

        try
        {
            await store.Store.ExecuteAsync(operations, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Transaction failures are always Internal, etag mismatch included (spec §2).
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_STATE_TRANSACTION", $"error while executing state transaction: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores.Values)
        {
            await store.Store.DisposeAsync();
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static TimeSpan? Ttl(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("ttlInSeconds", out string? text))
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seconds) || seconds < -1)
        {
            throw DaprApiException.Malformed($"ttlInSeconds '{text}' is not an integer >= -1");
        }

        // -1 means "never expire" for components-contrib stores.
        return seconds <= 0 ? null : TimeSpan.FromSeconds(seconds);
    }

    private static void CheckCount(int count)
    {
        if (count > MaxItemsPerRequest)
        {
            throw DaprApiException.Malformed($"more than {MaxItemsPerRequest} items in one request");
        }
    }

    private StateComponent Resolve(string storeName)
    {
        if (_stores.Count == 0)
        {
            throw new DaprApiException(StatusCode.FailedPrecondition, 500, "ERR_STATE_STORE_NOT_CONFIGURED", "state store is not configured");
        }

        return _stores.TryGetValue(storeName ?? "", out var store)
            ? store
            : throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_STATE_STORE_NOT_FOUND", $"state store {storeName} is not found");
    }
}
