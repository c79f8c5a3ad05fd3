using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace LedgerX.ServiceDefaults.Auth;

/// <summary>
/// auth-service's signing keys as last fetched. Token validation reads <see cref="Keys"/> synchronously; fetching happens
/// on a timer (<see cref="ExecuteAsync"/>) and, before a token whose <c>kid</c> is not known is validated, once per
/// <c>Auth:UnknownKeyRefreshMinIntervalSeconds</c> (<see cref="EnsureKeyAsync"/>), so a token signed by a key auth-service
/// just rotated to is accepted on its first request. A failed fetch keeps the last good set: auth-service being down
/// never turns valid tokens away.
/// </summary>
/// <remarks>
/// Not Microsoft.IdentityModel's <c>ConfigurationManager&lt;T&gt;</c>: once it holds a configuration it refreshes in a
/// background task (8.x), so the request that carries a new key's first token would fail before the refresh lands.
/// </remarks>
public sealed partial class SigningKeyCache(
    IJwksSource source, IOptions<AuthOptions> options, TimeProvider time, ILogger<SigningKeyCache> logger) : BackgroundService
{
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private volatile KeySet _current = KeySet.Empty;
    private long _lastUnknownKeyFetch = long.MinValue;
    private long _fetches;

    /// <summary>The keys tokens are checked against now.</summary>
    public IReadOnlyList<SecurityKey> Keys => _current.Keys;

    /// <summary>True once a JWKS has been fetched.</summary>
    public bool HasKeys => _current.FetchedAt is not null;

    /// <summary>JWKS fetches attempted so far (successful or not): what the rate limit bounds.</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    /// <summary>Makes sure the key <paramref name="kid"/> is in <see cref="Keys"/> if auth-service lists it, fetching the
    /// JWKS at most once per rate-limit interval; a forged kid is then simply not found.</summary>
    public async Task EnsureKeyAsync(string? kid, CancellationToken cancellationToken)
    {
        if (kid is null || _current.Contains(kid))
        {
            return;
        }
        var fetchesBefore = Fetches;
        await _fetching.WaitAsync(cancellationToken);
        try
        {
            // Another request fetched while this one waited: that fetch is as fresh as this one's would be.
            if (_current.Contains(kid) || Fetches != fetchesBefore)
            {
                return;
            }
            var now = time.GetTimestamp();
            var last = Interlocked.Read(ref _lastUnknownKeyFetch);
            if (last != long.MinValue
                && time.GetElapsedTime(last, now) < TimeSpan.FromSeconds(options.Value.UnknownKeyRefreshMinIntervalSeconds))
            {
                LogUnknownKeyNotFetched(logger, kid);
                return;
            }
            Interlocked.Exchange(ref _lastUnknownKeyFetch, now);
            await FetchLockedAsync("unknown kid", cancellationToken);
        }
        finally
        {
            _fetching.Release();
        }
    }

    /// <summary>Fetches the JWKS now; false (and the old keys kept) when that failed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        await _fetching.WaitAsync(cancellationToken);
        try
        {
            return await FetchLockedAsync("timer", cancellationToken);
        }
        finally
        {
            _fetching.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first fetch happens at start, in the background: services start in any order, so auth-service may come later.
        while (!stoppingToken.IsCancellationRequested)
        {
            var fetched = await RefreshAsync(stoppingToken);
            var wait = fetched || HasKeys
                ? TimeSpan.FromSeconds(options.Value.KeyRefreshIntervalSeconds)
                : TimeSpan.FromSeconds(options.Value.KeyRetryIntervalSeconds);
            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> FetchLockedAsync(string reason, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        try
        {
            var json = await source.FetchAsync(cancellationToken);
            var keys = new JsonWebKeySet(json).GetSigningKeys().ToList();
            if (keys.Count == 0)
            {
                // An empty set would lock every caller out; treat it as a failed fetch rather than the truth.
                LogEmptyKeySet(logger, reason, _current.Keys.Count);
                return false;
            }
            _current = new KeySet(keys, time.GetUtcNow());
            LogFetched(logger, keys.Count, reason);
            return true;
        }
#pragma warning disable CA1031 // Whatever a fetch throws (network, a malformed JWKS, a Dapr error), the last good keys
        // stay and the timer tries again: a failed refresh must neither fail a request nor stop the host.
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogFetchFailed(logger, exception, reason, _current.Keys.Count);
            return false;
        }
    }

    public override void Dispose()
    {
        _fetching.Dispose();
        base.Dispose();
    }

    private sealed record KeySet(IReadOnlyList<SecurityKey> Keys, DateTimeOffset? FetchedAt)
    {
        public static readonly KeySet Empty = new([], null);

        public bool Contains(string kid) => Keys.Any(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched {KeyCount} signing keys from auth-service ({Reason})")]
    private static partial void LogFetched(ILogger logger, int keyCount, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch auth-service's signing keys ({Reason}); keeping the {KeyCount} last good ones")]
    private static partial void LogFetchFailed(ILogger logger, Exception exception, string reason, int keyCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "auth-service's JWKS lists no signing key ({Reason}); keeping the {KeyCount} last good ones")]
    private static partial void LogEmptyKeySet(ILogger logger, string reason, int keyCount);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Token key {Kid} is unknown and the keys were fetched moments ago; not fetching again")]
    private static partial void LogUnknownKeyNotFetched(ILogger logger, string kid);
}
