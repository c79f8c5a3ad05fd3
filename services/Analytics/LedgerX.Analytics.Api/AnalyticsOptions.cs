using System.ComponentModel.DataAnnotations;

namespace LedgerX.Analytics.Api;

/// <summary>Tunables of analytics-service, bound from the "Analytics" configuration section and validated at start.</summary>
public sealed class AnalyticsOptions
{
    public const string Section = "Analytics";

    /// <summary>How long a cached query answer lives in the state store. Invalidation by version keys makes a stale
    /// answer unreachable at once; the TTL only bounds how long unreachable entries take up space.</summary>
    [Range(1, 24 * 3600)] public int CacheTtlSeconds { get; set; } = 300;

    /// <summary>Events asked for per page when replaying the ledger's log (the ledger serves at most 1000).</summary>
    [Range(1, 1000)] public int RebuildPageSize { get; set; } = 500;

    /// <summary>Upper bound on one rebuild, so a stuck ledger cannot hold the projection tables locked forever.</summary>
    [Range(1, 24 * 3600)] public int RebuildTimeoutSeconds { get; set; } = 600;
}
