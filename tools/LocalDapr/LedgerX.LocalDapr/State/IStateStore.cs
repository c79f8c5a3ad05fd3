namespace LedgerX.LocalDapr.State;

/// <summary>A stored value; <see cref="ExpiresAt"/> is set when the item was saved with <c>ttlInSeconds</c>.</summary>
public sealed record StateEntry(byte[] Value, string ETag, DateTimeOffset? ExpiresAt);

/// <summary>One upsert. An etag means "only if the stored etag equals this" (spec §2: the check runs whenever one is supplied).</summary>
public sealed record StateWrite(string Key, byte[] Value, string? ETag, TimeSpan? Ttl);

/// <summary>One operation of a transaction: an upsert, or a delete when <see cref="Write"/> has no value.</summary>
public sealed record StateOperation(string Key, StateWrite? Write, string? DeleteETag)
{
    public bool IsDelete => Write is null;
}

/// <summary>Why a conditional write failed; mapped to <c>Aborted</c> / <c>InvalidArgument</c> as components-contrib's ETagError.</summary>
public enum ETagFailure
{
    Mismatch,
    Invalid,
}

public sealed class StateETagException : Exception
{
    public StateETagException(ETagFailure failure, string message)
        : base(message) => Failure = failure;

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

    public ETagFailure Failure { get; }
}

/// <summary>The backend contract; keys arrive already prefixed (<c>{appId}||key</c>).</summary>
public interface IStateStore : IAsyncDisposable
{
    Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken);

    Task SetAsync(StateWrite write, CancellationToken cancellationToken);

    Task DeleteAsync(string key, string? etag, CancellationToken cancellationToken);

    /// <summary>All or nothing.</summary>
    Task ExecuteAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken);
}
