using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.IdentityModel.Tokens;

namespace LedgerX.Auth.Api.Keys;

/// <summary>One signing key as the secret store holds it.</summary>
public sealed record StoredSigningKey(
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("privateKeyPem")] string PrivateKeyPem);

/// <summary>A key auth-service holds; <see cref="RetiredAt"/> is when a newer key took over signing (null for the key
/// that signs now).</summary>
public sealed record PublishedKey(string Kid, DateTimeOffset CreatedAt, RsaSecurityKey Key, DateTimeOffset? RetiredAt)
{
    /// <summary>In the JWKS (and accepted in access tokens) until every access token it signed has expired.</summary>
    public bool IsPublished(DateTimeOffset now, TimeSpan accessRetention) => RetiredAt is not { } retired || retired + accessRetention > now;
}

/// <summary>
/// The pure part of key rotation: from the keys in the secret, the keys held before and the time, which keys are
/// held now and which one signs. The newest key (by createdAt, then kid) signs; every other key is kept until every
/// token it can have signed has expired (<paramref name="retention"/>: the refresh-token lifetime + clock skew, since
/// auth-service signs its refresh tokens with it too), even after it left the secret, so that removing a key early
/// never fails a request. Which of them the JWKS shows is <see cref="PublishedKey.IsPublished"/>: only as long as
/// access tokens it signed can live.
/// </summary>
public static class KeyRingState
{
    /// <summary>Development keys carry this kid prefix; Production refuses to start with one.</summary>
    public const string DevelopmentKidPrefix = "dev-";

    public static ImmutableArray<PublishedKey> Next(
        ImmutableArray<PublishedKey> previous, IReadOnlyList<StoredSigningKey> stored, DateTimeOffset now, TimeSpan retention)
    {
        if (stored.Count == 0)
        {
            throw new InvalidOperationException("The signing key secret holds no key; auth-service cannot sign tokens.");
        }
        var known = previous.ToDictionary(k => k.Kid, StringComparer.Ordinal);
        var ordered = stored.OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Kid, StringComparer.Ordinal).ToList();
        var next = ImmutableArray.CreateBuilder<PublishedKey>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var key = ordered[i];
            var existing = known.GetValueOrDefault(key.Kid);
            DateTimeOffset? retired = i == 0 ? null : existing?.RetiredAt ?? now;
            if (retired is { } r && r + retention <= now)
            {
                continue;
            }
            next.Add(new PublishedKey(key.Kid, key.CreatedAt, existing?.Key ?? Load(key), retired));
        }
        // Keys removed from the secret stay published (not signing) until their tokens have expired.
        foreach (var gone in previous.Where(p => !ordered.Exists(s => s.Kid == p.Kid)))
        {
            var retired = gone.RetiredAt ?? now;
            if (retired + retention > now)
            {
                next.Add(gone with { RetiredAt = retired });
            }
        }
        return next.ToImmutable();
    }

    /// <summary>Reads the secret's value: a JSON array of keys.</summary>
    public static IReadOnlyList<StoredSigningKey> Parse(string json)
    {
        var keys = JsonSerializer.Deserialize<List<StoredSigningKey>>(json)
            ?? throw new InvalidOperationException("The signing key secret is not a JSON array of keys.");
        foreach (var key in keys)
        {
            if (string.IsNullOrWhiteSpace(key.Kid) || string.IsNullOrWhiteSpace(key.PrivateKeyPem))
            {
                throw new InvalidOperationException("Every signing key needs a kid and a privateKeyPem.");
            }
        }
        if (keys.GroupBy(k => k.Kid, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new InvalidOperationException($"The signing key kid '{duplicate.Key}' appears twice.");
        }
        return keys;
    }

    private static RsaSecurityKey Load(StoredSigningKey stored)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(stored.PrivateKeyPem);
        if (rsa.KeySize < 2048)
        {
            throw new InvalidOperationException($"Signing key '{stored.Kid}' has {rsa.KeySize} bits; at least 2048 are required.");
        }
        return new RsaSecurityKey(rsa) { KeyId = stored.Kid };
    }
}
