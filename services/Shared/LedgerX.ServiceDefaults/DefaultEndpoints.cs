using Microsoft.AspNetCore.Http;

namespace LedgerX.ServiceDefaults;

/// <summary>Paths of the endpoints that probes and scrapers call.</summary>
public static class DefaultEndpoints
{
    public const string Liveness = "/healthz";
    public const string Readiness = "/readyz";
    public const string Metrics = "/metrics";

    /// <summary>Probes and scrapes arrive every few seconds; tracing and logging each one would drown real traffic.</summary>
    internal static bool IsProbe(PathString path) =>
        path.StartsWithSegments(Liveness) || path.StartsWithSegments(Readiness) || path.StartsWithSegments(Metrics);
}
