using System.Globalization;
using Grpc.Core;
using LedgerX.LocalDapr.Api;

namespace LedgerX.LocalDapr.State;

/// <summary>One item to save, as both APIs receive it; <see cref="Concurrency"/> is <c>first-write</c>, <c>last-write</c> or null.</summary>
public sealed record SaveItem(string Key, byte[] Value, string? ETag, IReadOnlyDictionary<string, string> Metadata, string? Concurrency = null);

/// <summary>One transaction operation as both APIs receive it (<c>upsert</c> or <c>delete</c>).</summary>
public sealed record TransactionItem(string Operation, string Key, byte[]? Value, string? ETag, IReadOnlyDictionary<string, string> Metadata, string? Concurrency = null);

/// <summary>
/// The state API behind both transports: store lookup, key prefixing and daprd's exact error mapping
/// (pkg/api/grpc/grpc.go and pkg/api/http/http.go: Aborted on etag mismatch, malformed etags included, so TrySaveStateAsync
/// returns false; InvalidArgument for an unknown store or a key containing <c>||</c>; Internal for every
/// transaction failure).
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
        string storedKey = StoredKey(store, key);
        try
        {
            return await store.Store.GetAsync(storedKey, cancellationToken);
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
        // daprd prefixes (and so validates) every key before reading any.
        var storedKeys = keys.Select(k => StoredKey(store, k)).ToList();
        var result = new List<(string, StateEntry?, string?)>(keys.Count);
        for (int i = 0; i < keys.Count; i++)
        {
            string key = keys[i];
            try
            {
                result.Add((key, await store.Store.GetAsync(storedKeys[i], cancellationToken), null));
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
        var writes = new List<StateWrite>(items.Count);
        foreach (var item in items)
        {
            if (string.IsNullOrEmpty(item.Key))
            {
                throw DaprApiException.Malformed("failed saving state: key is empty");
            }

            writes.Add(new StateWrite(StoredKey(store, item.Key), item.Value, NullIfEmpty(item.ETag), Ttl(item.Metadata), FirstWrite(item.Concurrency, "ERR_STATE_SAVE", storeName)));
        }

        foreach (var write in writes)
        {
            try
            {
                await store.Store.SetAsync(write, cancellationToken);
            }
            catch (StateETagException ex)
            {
                throw new DaprApiException(StatusCode.Aborted, 409, "ERR_STATE_SAVE", $"failed saving state in state store {storeName}: {ETagMessage(ex)}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not DaprApiException)
            {
                throw new DaprApiException(StatusCode.Internal, 500, "ERR_STATE_SAVE", $"failed saving state in state store {storeName}: {ex.Message}");
            }
        }
    }

    public async Task DeleteAsync(string storeName, string key, string? etag, CancellationToken cancellationToken, string? concurrency = null)
    {
        var store = Resolve(storeName);
        string storedKey = StoredKey(store, key);
        bool firstWrite = FirstWrite(concurrency, "ERR_STATE_DELETE", storeName);
        try
        {
            await store.Store.DeleteAsync(storedKey, NullIfEmpty(etag), firstWrite, cancellationToken);
        }
        catch (StateETagException ex)
        {
            throw new DaprApiException(StatusCode.Aborted, 409, "ERR_STATE_DELETE", $"failed deleting state with key {key}: {ETagMessage(ex)}");
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
            string key = StoredKey(store, item.Key);
            bool firstWrite = FirstWrite(item.Concurrency, "ERR_STATE_TRANSACTION", storeName);
            operations.Add(item.Operation switch
            {
                "upsert" => new StateOperation(key, new StateWrite(key, item.Value ?? [], NullIfEmpty(item.ETag), Ttl(item.Metadata), firstWrite), null),
                "delete" => new StateOperation(key, null, NullIfEmpty(item.ETag), firstWrite),
                _ => throw new DaprApiException(StatusCode.Unimplemented, 400, "ERR_NOT_SUPPORTED_STATE_OPERATION", $"operation type {item.Operation} not supported"),
            });
        }

        try
        {
            await store.Store.ExecuteAsync(operations, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Transaction failures are always Internal, etag mismatch included (ERR_STATE_TRANSACTION in pkg/api/grpc/grpc.go).
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

    /// <summary>components-contrib's <c>ETagError.Error()</c>: the kind's text, then the store's reason when it gave one.</summary>
    private static string ETagMessage(StateETagException ex) =>
        ex.Message.Length == 0 ? "possible etag mismatch. error from state store" : $"possible etag mismatch. error from state store: {ex.Message}";

    /// <summary>
    /// <c>state.CheckRequestOptions</c>: empty, <c>first-write</c> and <c>last-write</c> are the models; anything
    /// else is the store's error, which daprd reports as a 500 of the operation.
    /// </summary>
    private static bool FirstWrite(string? concurrency, string errorCode, string storeName) => concurrency switch
    {
        null or "" or "last-write" => false,
        "first-write" => true,
        _ => throw new DaprApiException(StatusCode.Internal, 500, errorCode, $"failed in state store {storeName}: unrecognized concurrency model '{concurrency}'"),
    };

    /// <summary>
    /// daprd's <c>GetModifiedStateKey</c>: a key containing the prefix separator <c>||</c> could address another
    /// app's (or an actor's) state, so it is refused before prefixing, whatever the strategy
    /// (pkg/api/errors/state.go <c>InvalidKeyName</c>: BadRequest, ResourceInfo, ErrorInfo DAPR_STATE_ILLEGAL_KEY).
    /// </summary>
    private string StoredKey(StateComponent store, string key)
    {
        if (key.Contains("||", StringComparison.Ordinal))
        {
            string message = $"input key/keyPrefix '{key}' can't contain '||'";
            throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", message)
                .WithFieldViolation(key, message)
                .WithResourceInfo("state", store.Name)
                .WithErrorInfo("DAPR_STATE_ILLEGAL_KEY");
        }

        return store.Prefix(_appId, key);
    }

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
        // pkg/api/errors/state.go NotConfigured/NotFound: no ResourceInfo, ErrorInfo with the app id.
        var appMetadata = string.IsNullOrEmpty(_appId) ? null : new Dictionary<string, string> { ["appID"] = _appId };
        if (_stores.Count == 0)
        {
            throw new DaprApiException(StatusCode.FailedPrecondition, 500, "ERR_STATE_STORE_NOT_CONFIGURED", $"state store {storeName} is not configured")
                .WithErrorInfo("DAPR_STATE_NOT_CONFIGURED", appMetadata);
        }

        return _stores.TryGetValue(storeName ?? "", out var store)
            ? store
            : throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_STATE_STORE_NOT_FOUND", $"state store {storeName} is not found")
                .WithErrorInfo("DAPR_STATE_NOT_FOUND", appMetadata);
    }
}
