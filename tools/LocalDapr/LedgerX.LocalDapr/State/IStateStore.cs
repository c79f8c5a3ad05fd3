namespace LedgerX.LocalDapr.State;

/// <summary>A stored value; <see cref="ExpiresAt"/> is set when the item was saved with <c>ttlInSeconds</c>.</summary>
public sealed record StateEntry(byte[] Value, string ETag, DateTimeOffset? ExpiresAt)
{
    /// <summary>
    /// The <c>ttlExpireTime</c> metadata as components-contrib's stores write it: <c>expire.UTC().Format(time.RFC3339)</c>,
    /// whole seconds; null without a TTL.
    /// </summary>
    public string? TtlExpireTime => ExpiresAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// One upsert. An etag means "only if the stored etag equals this" (the components-contrib stores check it whenever
/// one is supplied, whatever the concurrency option). <see cref="FirstWrite"/> is the request's <c>concurrency: first-write</c>: without an etag, the
/// write must not replace a live item (each backend refuses it its own way, as its components-contrib store does).
/// </summary>
public sealed record StateWrite(string Key, byte[] Value, string? ETag, TimeSpan? Ttl, bool FirstWrite = false);

/// <summary>One operation of a transaction: an upsert, or a delete when <see cref="Write"/> has no value.</summary>
public sealed record StateOperation(string Key, StateWrite? Write, string? DeleteETag, bool DeleteFirstWrite = false)
{
    public bool IsDelete => Write is null;
}

/// <summary>
/// A conditional write failed: components-contrib's <c>ETagError</c> of kind <c>ETagMismatch</c> (gRPC
/// <c>Aborted</c>, HTTP 409). A malformed etag is a mismatch too: the in-memory store compares strings and
/// PostgreSQL v2 answers ETagMismatch when the etag is not a uuid, so daprd never says 400 for it.
/// </summary>
public sealed class StateETagException : Exception
{
    public StateETagException()
    {
    }

    public StateETagException(string message)
        : base(message)
    {
    }

    public StateETagException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The backend contract; keys arrive already prefixed (<c>{appId}||key</c>).</summary>
public interface IStateStore : IAsyncDisposable
{
    Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken);

    Task SetAsync(StateWrite write, CancellationToken cancellationToken);

    /// <summary><paramref name="firstWrite"/>: the request's <c>concurrency: first-write</c> (only the in-memory store reads it, as in components-contrib).</summary>
    Task DeleteAsync(string key, string? etag, bool firstWrite, CancellationToken cancellationToken);

    /// <summary>All or nothing.</summary>
    Task ExecuteAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken);
}
