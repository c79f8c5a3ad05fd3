using System.Globalization;
using System.Text.RegularExpressions;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// What an app says it served, from its own Prometheus endpoint (<c>/metrics</c>, which probes and scrapers reach on
/// the app's port): ASP.NET Core's <c>http.server.request.duration</c> histogram counts every request the app answered.
/// </summary>
public static partial class ServiceMetrics
{
    /// <summary>Requests the app answered on its client API (<c>/api/...</c> routes) or on no route at all (refused
    /// before routing, e.g. by the app-token check). Event deliveries, probes and scrapes are not counted.</summary>
    public static Task<long> ApiRequestsAsync(LedgerXSystem system, string appId) =>
        RequestsAsync(system, appId, route => route is null || route.StartsWith("/api/", StringComparison.Ordinal));

    /// <summary>Requests answered outside endpoint routing (by middleware, e.g. OpenIddict's JWKS document).</summary>
    public static Task<long> UnroutedRequestsAsync(LedgerXSystem system, string appId) => RequestsAsync(system, appId, route => route is null);

    /// <summary>Requests the app answered whose route (null: none) passes <paramref name="counted"/>.</summary>
    public static async Task<long> RequestsAsync(LedgerXSystem system, string appId, Func<string?, bool> counted)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string text = await http.GetStringAsync(new Uri(system.AppUrl(appId), "metrics"));
        long total = 0;
        foreach (Match m in CountLine().Matches(text))
        {
            var route = RouteLabel().Match(m.Groups["labels"].Value);
            if (counted(route.Success ? route.Groups["route"].Value : null))
            {
                total += (long)double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    // Label values may hold braces (http_route="/api/v1/accounts/{id:guid}"): a value is a quoted string.
    [GeneratedRegex(@"^http_server_request_duration_seconds_count\{(?<labels>(?:[^}""]|""[^""]*"")*)\}\s+(?<value>[0-9.eE+]+)", RegexOptions.Multiline)]
    private static partial Regex CountLine();

    [GeneratedRegex("http_route=\"(?<route>[^\"]*)\"")]
    private static partial Regex RouteLabel();
}
