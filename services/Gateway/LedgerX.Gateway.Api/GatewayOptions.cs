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
}
