using System.ComponentModel.DataAnnotations;

namespace LedgerX.Notifications.Api.Delivery;

/// <summary>"Notifications:Delivery": how the dispatcher sends and retries.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Notifications:Delivery";

    [Range(1, 500)] public int BatchSize { get; set; } = 50;
    [Range(10, 60_000)] public int PollIntervalMs { get; set; } = 1000;

    /// <summary>Attempts (each with its in-call retries) before a notification is dead-lettered.</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 8;

    /// <summary>The durable schedule between attempts: exponential from the base, capped, with jitter.</summary>
    [Range(10, 3_600_000)] public int BackoffBaseMs { get; set; } = 5_000;
    [Range(100, 86_400_000)] public int BackoffMaxMs { get; set; } = 3_600_000;

    /// <summary>Quick retries within one attempt for a transient failure (Polly), before the attempt counts as failed.</summary>
    [Range(0, 5)] public int InCallRetries { get; set; } = 2;
}
