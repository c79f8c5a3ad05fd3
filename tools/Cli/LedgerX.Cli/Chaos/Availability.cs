using LedgerX.Cli.Chaos.Load;

namespace LedgerX.Cli.Chaos;

/// <summary>One route's requests during a fault window.</summary>
/// <param name="NeedsDownService">The route needs a service the fault took down (it must fail fast, then recover).</param>
/// <param name="FailureP95Ms">95th percentile latency of the failed requests (how fast "down" is said).</param>
/// <param name="RecoveredAfterMs">From the fault to the first success after the last failure; null if it never came back.</param>
internal sealed record RouteAvailability(
    string Route, bool NeedsDownService, int Requests, int Succeeded, IReadOnlyDictionary<string, int> Failures, double? FailureP95Ms, double? RecoveredAfterMs)
{
    public double SuccessRatio => Requests == 0 ? 1 : (double)Succeeded / Requests;
}

/// <summary>
/// The availability criteria of RFC-001 for "one service down": routes that do not need the service succeed ≥ 99.9 %;
/// routes that need it fail fast (an answer, 503 expected, within <see cref="FailFastMs"/> at the 95th percentile) and
/// recover on their own.
/// </summary>
internal static class Availability
{
    public const double Required = 0.999;

    /// <summary>"Fast": well under a client's patience and any retry budget; a hung route waits for the 10 s client timeout.</summary>
    public const double FailFastMs = 1000;

    public static IReadOnlyList<RouteAvailability> Measure(IReadOnlyList<RequestSample> window, double faultAtMs, IReadOnlyList<string> down, IReadOnlySet<string> usableRoutes)
    {
        var result = new List<RouteAvailability>();
        foreach (var route in RouteDependencies.All.Where(r => usableRoutes.Contains(r.Name)))
        {
            var samples = window.Where(s => s.Route == route.Name).OrderBy(s => s.AtMs).ToList();
            var failed = samples.Where(s => !s.Succeeded).ToList();
            var lastFailure = failed.LastOrDefault();
            double? recovered = failed.Count == 0
                ? 0
                : samples.FirstOrDefault(s => s.Succeeded && s.AtMs > lastFailure.AtMs) is { Route: not null } back ? back.AtMs - faultAtMs : null;
            result.Add(new RouteAvailability(
                route.Name,
                route.NeedsAny(down),
                samples.Count,
                samples.Count - failed.Count,
                failed.GroupBy(s => FailureKey(s, faultAtMs))
                    .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                failed.Count == 0 ? null : Percentile(failed.Select(s => s.LatencyMs).ToList(), 0.95),
                recovered));
        }

        return result;
    }

    /// <summary>The verdicts for a "service down" scenario (none for infrastructure faults, whose figures are reported only).</summary>
    public static IEnumerable<string> Violations(IReadOnlyList<RouteAvailability> routes, bool serviceDown)
    {
        if (!serviceDown)
        {
            yield break;
        }

        foreach (var route in routes)
        {
            if (!route.NeedsDownService && route.SuccessRatio < Required)
            {
                yield return $"{route.Route} does not need the service that was down, yet succeeded {route.SuccessRatio:P2} (< {Required:P1})";
            }

            if (route.NeedsDownService && route.FailureP95Ms is > FailFastMs)
            {
                yield return $"{route.Route} failed slowly while its service was down: p95 {route.FailureP95Ms:F0} ms (> {FailFastMs:F0} ms)";
            }

            if (route.NeedsDownService && route.Failures.Keys.Any(k => k != "503" && !k.EndsWith(InFlight, StringComparison.Ordinal)))
            {
                yield return $"{route.Route} failed with {string.Join(", ", route.Failures.Where(f => f.Key != "503" && !f.Key.EndsWith(InFlight, StringComparison.Ordinal)).Select(f => $"{f.Value}× {f.Key}"))}, not only 503";
            }

            if (route.RecoveredAfterMs is null)
            {
                yield return $"{route.Route} did not recover";
            }
        }
    }

    /// <summary>
    /// A request already sent when the fault struck may have been processed: the gateway honestly answers 502 (the call
    /// broke off) and the client retries with its idempotency key. Only requests sent after the fault must get 503.
    /// </summary>
    private const string InFlight = " in flight at the fault";

    private static string FailureKey(RequestSample sample, double faultAtMs) =>
        (sample.Status == 0 ? "no answer" : sample.Status.ToString(global::System.Globalization.CultureInfo.InvariantCulture))
        + (sample.AtMs < faultAtMs ? InFlight : "");

    public static double Percentile(List<double> values, double p)
    {
        values.Sort();
        int index = (int)Math.Ceiling(p * values.Count) - 1;
        return values[Math.Clamp(index, 0, values.Count - 1)];
    }
}
