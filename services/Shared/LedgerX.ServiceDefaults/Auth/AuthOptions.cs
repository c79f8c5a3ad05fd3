using System.ComponentModel.DataAnnotations;

namespace LedgerX.ServiceDefaults.Auth;

/// <summary>Configuration section <c>Auth</c>: whose access tokens a service accepts, and how it keeps their keys.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The exact <c>iss</c> of auth-service's tokens (locally <c>http://127.0.0.1:5130/</c>). No default: a service
    /// that does not know its issuer must not start, rather than accept or refuse tokens by accident.</summary>
    [Required(AllowEmptyStrings = false), Url]
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every token must carry.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Audience { get; set; } = LedgerXClaims.ApiAudience;

    /// <summary>The Dapr app id of auth-service, whose JWKS is fetched through the sidecar.</summary>
    [Required(AllowEmptyStrings = false), RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    public string AppId { get; set; } = "auth-service";

    /// <summary>How often the signing keys are fetched again, so a key auth-service retires stops being trusted.</summary>
    [Range(10, 86_400)]
    public int KeyRefreshIntervalSeconds { get; set; } = 300;

    /// <summary>While no keys were ever fetched (auth-service not up yet), how soon the next attempt follows a failed one.</summary>
    [Range(1, 3_600)]
    public int KeyRetryIntervalSeconds { get; set; } = 5;

    /// <summary>The least time between two fetches caused by a token with an unknown <c>kid</c>: a flood of forged kids
    /// costs auth-service one request per interval, not one per token.</summary>
    [Range(1, 3_600)]
    public int UnknownKeyRefreshMinIntervalSeconds { get; set; } = 10;

    /// <summary>How long one JWKS fetch may take before it counts as failed (the last good keys stay).</summary>
    [Range(100, 60_000)]
    public int KeyFetchTimeoutMs { get; set; } = 5_000;

    /// <summary>Tolerated clock difference between auth-service and this service when checking <c>exp</c> and <c>nbf</c>.</summary>
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;
}
