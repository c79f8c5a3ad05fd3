using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// The signature a receiver checks, as Stripe signs: <c>LedgerX-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c> where the
/// hex is HMAC-SHA256 keyed with the whole secret string (<c>whsec_…</c>, UTF-8) over <c>"&lt;t&gt;.&lt;raw body&gt;"</c>.
/// During a rotation's overlap both the new and the retired secret sign, so the header carries two <c>v1=</c> values and a
/// receiver accepts the message when any one matches. Binding the timestamp into the MAC lets a receiver refuse replays
/// older than its tolerance (docs/api/webhooks.md: 5 minutes).
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "LedgerX-Signature";
    public const string IdHeader = "LedgerX-Webhook-Id";
    public const string TimestampHeader = "LedgerX-Webhook-Timestamp";
    public const string Scheme = "v1";

    /// <summary>The replay window receivers are told to enforce.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/>, one <c>v1=</c> per secret.</summary>
    public static string Header(long timestamp, ReadOnlySpan<byte> body, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        var any = false;
        foreach (var secret in secrets)
        {
            header.Append(',').Append(Scheme).Append('=').Append(Compute(secret, timestamp, body));
            any = true;
        }
        if (!any)
        {
            throw new ArgumentException("At least one secret signs a webhook.", nameof(secrets));
        }
        return header.ToString();
    }

    /// <summary>Lower-case hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;").</summary>
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>
    /// What a receiver does (and the tests' receiver does): parse the header, refuse a timestamp outside the
    /// tolerance either way, and accept when any <c>v1</c> signature equals the expected one (constant-time compare).
    /// </summary>
    public static bool Verify(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header) || string.IsNullOrEmpty(secret))
        {
            return false;
        }
        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }
            var (key, value) = (part[..eq], part[(eq + 1)..]);
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == Scheme)
            {
                signatures.Add(value);
            }
        }
        if (timestamp is not { } ts || signatures.Count == 0
            || (now - DateTimeOffset.FromUnixTimeSeconds(ts)).Duration() > tolerance)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Compute(secret, ts, body));
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(s)));
    }
}

/// <summary>Signing secrets: <c>whsec_</c> + 32 random bytes, base64url without padding (43 characters).</summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";
    public const int RandomBytes = 32;

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(RandomBytes))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
