using System.ComponentModel.DataAnnotations;

namespace LedgerX.Gateway.Api;

/// <summary>Configuration section <c>Gateway</c>: what the gateway needs to know about where it runs.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>How many gateway replicas share the traffic. Each replica enforces 1/<c>Replicas</c> of every rate-limit
    /// budget (ADR 0013), so the budgets hold for the whole deployment without a shared counter on the hot path.</summary>
    [Range(1, 1_000)]
    public int Replicas { get; set; } = 1;

    /// <summary>Proxies (IP addresses or CIDR networks) whose <c>X-Forwarded-For</c>/<c>-Proto</c>/<c>-Host</c> are believed.
    /// From anyone else those headers are dropped: a client must not choose the IP its rate limit is counted by.</summary>
    public IList<string> TrustedProxies { get; } = [];

    /// <summary>Where the gateway serves its own Prometheus <c>/metrics</c>: a listener of its own
    /// (<c>http://127.0.0.1:9581</c> locally, <c>http://+:9090</c> in the chart), never the public port. Unset: not served.
    /// Read once at start-up (Observability/ManagementMetrics.cs).</summary>
    public string? MetricsUrl { get; set; }
}
