using System.ComponentModel.DataAnnotations;

namespace LedgerX.Auth.Api;

/// <summary>The "Auth" configuration section: who the issuer is and how long what lives. Validated at start.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The issuer URI written into every token and the discovery document (locally http://127.0.0.1:5130/).</summary>
    [Required, Url] public string Issuer { get; set; } = "";

    /// <summary>Access tokens are short-lived JWTs: a revoked grant stops working within this time without any
    /// service calling back to auth-service.</summary>
    [Range(30, 3600)] public int AccessTokenLifetimeSeconds { get; set; } = 300;

    [Range(60, 90 * 24 * 3600)] public int RefreshTokenLifetimeSeconds { get; set; } = 14 * 24 * 3600;

    /// <summary>How long a redeemed refresh token may be presented again before it counts as reuse (which revokes the
    /// whole token family). 0: any second use is reuse.</summary>
    [Range(0, 60)] public int RefreshTokenReuseLeewaySeconds { get; set; }

    /// <summary>The clock skew validators allow: the same setting, with the same default, as every service's
    /// <c>Auth:ClockSkewSeconds</c>. A retired signing key stays published this long after its last token expired.</summary>
    [Range(0, 300)] public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>False only for plain-HTTP local runs and tests; production terminates TLS in front of the service.</summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>PBKDF2 iterations of Identity's v3 password hash (HMAC-SHA512); Identity's default is 100,000.</summary>
    [Range(100_000, 10_000_000)] public int PasswordHashIterations { get; set; } = 600_000;

    [Range(8, 128)] public int PasswordMinLength { get; set; } = 12;

    /// <summary>Failed password (or second-factor) attempts before the account is locked out.</summary>
    [Range(1, 100)] public int LockoutMaxFailedAttempts { get; set; } = 5;

    [Range(1, 24 * 60)] public int LockoutMinutes { get; set; } = 15;

    /// <summary>The Dapr secret store component holding the signing keys and the token encryption key.</summary>
    [Required] public string SecretStore { get; set; } = "secretstore";

    /// <summary>The secret with the signing key set (a JSON array of { kid, createdAt, privateKeyPem }).</summary>
    [Required] public string SigningKeysSecret { get; set; } = "auth-signing-keys";

    /// <summary>The secret with the base64 256-bit key that encrypts authorization codes and refresh tokens.</summary>
    [Required] public string EncryptionKeySecret { get; set; } = "auth-token-encryption-key";

    /// <summary>How often the signing key set is re-read from the secret store (a new key is picked up this fast).</summary>
    [Range(1, 3600)] public int SigningKeysRefreshSeconds { get; set; } = 60;

    internal TimeSpan AccessTokenLifetime => TimeSpan.FromSeconds(AccessTokenLifetimeSeconds);

    internal TimeSpan ClockSkew => TimeSpan.FromSeconds(ClockSkewSeconds);
}
