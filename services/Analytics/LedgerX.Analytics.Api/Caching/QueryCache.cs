using System.Text.Json;
using Dapr;
using Dapr.Client;
using LedgerX.Analytics.Api.Events;
using Microsoft.Extensions.Options;

namespace LedgerX.Analytics.Api.Caching;

/// <summary>
/// Query answers cached in the Dapr state store. Each answer is stored under a key that includes the current
/// version of its scope (one account, or the whole ledger) and the cache epoch. A new event writes new versions of
/// the scopes it touches and a rebuild writes a new epoch, so an outdated answer is never read again; the TTL only
/// removes it. The cache is an optimisation: when the state store fails, queries go to the database.
/// </summary>
public sealed class QueryCache(DaprClient dapr, IOptions<AnalyticsOptions> options, AnalyticsMetrics metrics, ILogger<QueryCache> log)
{
    /// <summary>The scope of answers that aggregate over all accounts (daily volumes and activity, alert totals).</summary>
    public const string LedgerScope = "ledger";

    private const string Prefix = "analytics:";
    private const string EpochKey = Prefix + "epoch";

    public static string AccountScope(Guid accountId) => "account:" + accountId.ToString("N");

    /// <summary>The cached answer to <paramref name="query"/> in <paramref name="scope"/>, or the computed one (then cached).</summary>
    public async Task<(T Value, bool Hit)> GetOrComputeAsync<T>(string scope, string query, Func<CancellationToken, Task<T>> compute, CancellationToken ct)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(compute);
        string? key = null;
        try
        {
            var versions = await dapr.GetBulkStateAsync(Components.StateStore, [EpochKey, VersionKey(scope)], parallelism: 2, cancellationToken: ct);
            var epoch = versions.Where(v => v.Key == EpochKey).Select(v => v.Value).FirstOrDefault();
            var version = versions.Where(v => v.Key == VersionKey(scope)).Select(v => v.Value).FirstOrDefault();
            key = $"{Prefix}q:{scope}:{Unquote(epoch)}:{Unquote(version)}:{query}";
            var cached = await dapr.GetStateAsync<T>(Components.StateStore, key, cancellationToken: ct);
            if (cached is not null)
            {
                metrics.CacheRead(hit: true);
                return (cached, true);
            }
        }
        catch (Exception e) when (e is DaprException or JsonException or HttpRequestException)
        {
            log.LogWarning(e, "Query cache unavailable; answering from the database");
            key = null;
        }

        metrics.CacheRead(hit: false);
        var value = await compute(ct);
        if (key is not null)
        {
            try
            {
                await dapr.SaveStateAsync(Components.StateStore, key, value,
                    metadata: new Dictionary<string, string> { ["ttlInSeconds"] = options.Value.CacheTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    cancellationToken: ct);
            }
            catch (DaprException e)
            {
                log.LogWarning(e, "Could not cache a query answer");
            }
        }
        return (value, false);
    }

    /// <summary>Makes every cached answer about these accounts, and every ledger-wide answer, unreachable. Throws if
    /// the state store fails, so that the delivery is retried and the cache cannot stay stale.</summary>
    /// <remarks>One SaveState per key, not SaveBulkState: in the end-to-end run (per-app API tokens) the sidecar refused
    /// the SDK's SaveBulkStateAsync with "api token mismatch" while single-key Get/Save on the same client passed (not
    /// yet traced to the SDK or the local sidecar). Every delivery then answered 500 after committing, its retries held
    /// up the topic and no cached answer was invalidated. The versions are independent keys; none needs to be atomic.</remarks>
    public Task InvalidateAsync(IEnumerable<Guid> accounts, CancellationToken ct)
    {
        var version = Guid.CreateVersion7().ToString("N");
        return Task.WhenAll(accounts.Select(AccountScope).Append(LedgerScope).Distinct()
            .Select(scope => dapr.SaveStateAsync(Components.StateStore, VersionKey(scope), version, cancellationToken: ct)));
    }

    /// <summary>After a rebuild every answer may differ.</summary>
    public Task InvalidateAllAsync(CancellationToken ct) =>
        dapr.SaveStateAsync(Components.StateStore, EpochKey, Guid.CreateVersion7().ToString("N"), cancellationToken: ct);

    private static string VersionKey(string scope) => $"{Prefix}v:{scope}";

    /// <summary>Bulk reads return the stored JSON text (a quoted string); an absent key reads as empty.</summary>
    private static string Unquote(string? json) => string.IsNullOrEmpty(json) ? "0" : json.Trim('"');
}
