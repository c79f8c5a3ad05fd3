using System.ComponentModel.DataAnnotations;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>Configuration section <c>Gateway:CircuitBreaker</c>: when an upstream counts as down. Each cluster
/// (transaction-, fraud-, analytics-, auth-service) has its own breaker with these settings.</summary>
public sealed class CircuitBreakerOptions
{
    public const string Section = "Gateway:CircuitBreaker";

    /// <summary>The share of failed calls (5xx, connection errors, route timeouts) in the sampling window that opens it.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls the window must hold before the ratio counts, so two unlucky calls do not cut a service off.</summary>
    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 10;

    [Range(1, 600)]
    public int SamplingDurationSeconds { get; set; } = 30;

    /// <summary>How long an open breaker answers 503 at once before one trial call is let through.</summary>
    [Range(1, 3_600)]
    public int BreakDurationSeconds { get; set; } = 15;
}
