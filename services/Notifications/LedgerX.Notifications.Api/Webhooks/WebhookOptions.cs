using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>The "Notifications:Webhooks" configuration section: the SSRF guard, the sender's limits, the retry
/// schedule and when a failing endpoint is switched off. Validated at start.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Notifications:Webhooks";

    /// <summary>CIDR ranges a webhook URL may resolve to although they are private, loopback or link-local (tests,
    /// local use). Empty: every such address is refused.</summary>
    public List<string> AllowedPrivateNetworks { get; set; } = [];

    /// <summary>Plain http:// URLs are refused unless this is true (tests, local receivers).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>How long one POST to a receiver may take, connect to last byte; a slower receiver is a failed attempt.</summary>
    [Range(100, 60_000)] public int RequestTimeoutMs { get; set; } = 10_000;

    /// <summary>How long connecting (DNS + TCP + TLS handshake start) may take.</summary>
    [Range(100, 30_000)] public int ConnectTimeoutMs { get; set; } = 5_000;

    /// <summary>How much of a receiver's answer is kept in the delivery log (the rest is not read).</summary>
    [Range(0, 65_536)] public int MaxResponseBodyBytes { get; set; } = 4_096;

    /// <summary>Attempts of one delivery before it is dead (the first one included).</summary>
    [Range(1, 30)] public int MaxAttempts { get; set; } = 8;

    /// <summary>The ceiling of the wait before the first retry; each later ceiling is four times the one before,
    /// capped by <see cref="RetryMaxDelayMs"/>; the wait is drawn uniformly below the ceiling (full jitter).</summary>
    [Range(10, 86_400_000)] public int RetryBaseDelayMs { get; set; } = 60_000;

    /// <summary>The largest ceiling of one wait between attempts.</summary>
    [Range(10, 604_800_000)] public int RetryMaxDelayMs { get; set; } = 43_200_000;

    /// <summary>An endpoint whose deliveries die this many times in a row is disabled.</summary>
    [Range(1, 10_000)] public int DisableAfterConsecutiveDeadDeliveries { get; set; } = 5;

    /// <summary>An endpoint that has not accepted a delivery for this long while failing is disabled.</summary>
    [Range(1, 8_760)] public int DisableAfterFailingHours { get; set; } = 72;

    /// <summary>Endpoints one user may register.</summary>
    [Range(1, 100)] public int MaxEndpointsPerUser { get; set; } = 16;

    /// <summary>Due deliveries one dispatcher round claims.</summary>
    [Range(1, 500)] public int BatchSize { get; set; } = 20;

    /// <summary>How often an idle dispatcher looks for due deliveries.</summary>
    [Range(10, 60_000)] public int PollIntervalMs { get; set; } = 1_000;

    /// <summary>How long a retired signing secret keeps signing beside the new one after a rotation.</summary>
    [Range(0, 720)] public int RotatedSecretOverlapHours { get; set; } = 24;

    /// <summary>The parsed <see cref="AllowedPrivateNetworks"/> (valid: the validator refuses the rest at start).</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks() =>
        [.. AllowedPrivateNetworks.Select(n => IPNetwork.Parse(n.Trim()))];
}

/// <summary>Refuses to start with an unparsable CIDR or a retry ceiling below its base.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new List<string>();
        foreach (var network in options.AllowedPrivateNetworks)
        {
            if (!IPNetwork.TryParse(network?.Trim() ?? "", out _))
            {
                errors.Add($"{WebhookOptions.Section}:AllowedPrivateNetworks: '{network}' is not a CIDR range such as 127.0.0.0/8.");
            }
        }
        if (options.RetryMaxDelayMs < options.RetryBaseDelayMs)
        {
            errors.Add($"{WebhookOptions.Section}:RetryMaxDelayMs ({options.RetryMaxDelayMs}) must not be below RetryBaseDelayMs ({options.RetryBaseDelayMs}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
