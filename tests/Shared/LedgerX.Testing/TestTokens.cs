using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.WebUtilities;

namespace LedgerX.Testing;

/// <summary>An RSA signing key with its <c>kid</c>, as auth-service holds one.</summary>
public sealed class TestSigningKey(string kid) : IDisposable
{
    public string Kid { get; } = kid;

    public RSA Rsa { get; } = RSA.Create(2048);

    /// <summary>The public half as a JWK (RFC 7517), as auth-service's JWKS lists it.</summary>
    public JsonObject Jwk()
    {
        var parameters = Rsa.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = Kid,
            ["n"] = WebEncoders.Base64UrlEncode(parameters.Modulus!), ["e"] = WebEncoders.Base64UrlEncode(parameters.Exponent!),
        };
    }

    public void Dispose() => Rsa.Dispose();
}

/// <summary>
/// A stand-in for auth-service's token issuer, for every test project: RSA keys with kids, tokens with any claims,
/// lifetime and algorithm (including the forgeries a service must refuse), and the JWKS it publishes. It is also an
/// <see cref="IJwksSource"/>, so a service under test can take its keys straight from it (<see cref="AppOnKestrel{T}"/>
/// does), or through a real sidecar from <see cref="FakeAuthService"/>.
/// </summary>
public sealed class TestTokens : IJwksSource, IDisposable
{
    /// <summary>auth-service's local issuer (dapr.yaml's <c>Auth__Issuer</c>).</summary>
    public const string Issuer = "http://127.0.0.1:5130/";

    private readonly Lock _gate = new();
    private readonly List<TestSigningKey> _published = [];
    private int _fetches;

    public TestTokens() => SigningKey = Publish(NewKey());

    /// <summary>One issuer for a whole test run: what service fixtures use when a test does not rotate keys.</summary>
    public static TestTokens Shared { get; } = new();

    /// <summary>The key new tokens are signed with.</summary>
    public TestSigningKey SigningKey { get; private set; }

    /// <summary>While true, fetching the JWKS fails as when auth-service is down.</summary>
    public bool Unavailable { get; set; }

    /// <summary>While true, the JWKS document is cut short (not JSON), as from a broken proxy.</summary>
    public bool Malformed { get; set; }

    /// <summary>How many times the JWKS was fetched.</summary>
    public int JwksFetches => Volatile.Read(ref _fetches);

    /// <summary>A key that is not published (yet): sign with it to forge, or <see cref="Publish"/> it.</summary>
    public static TestSigningKey NewKey(string? kid = null) => new(kid ?? "test-" + Guid.NewGuid().ToString("N")[..12]);

    public TestSigningKey Publish(TestSigningKey key)
    {
        lock (_gate)
        {
            _published.Add(key);
        }
        return key;
    }

    /// <summary>auth-service's rotation: a new key signs from now on; the old one stays published until retired.</summary>
    public TestSigningKey Rotate()
    {
        SigningKey = Publish(NewKey());
        return SigningKey;
    }

    public void Retire(TestSigningKey key)
    {
        lock (_gate)
        {
            _published.Remove(key);
        }
    }

    /// <summary>The JWKS document of the published keys.</summary>
    public string Jwks()
    {
        lock (_gate)
        {
            return new JsonObject { ["keys"] = new JsonArray([.. _published.Select(k => (JsonNode)k.Jwk())]) }.ToJsonString();
        }
    }

    public Task<string> FetchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        return Unavailable
            ? Task.FromException<string>(new HttpRequestException("auth-service is down (TestTokens.Unavailable)."))
            : Task.FromResult(Malformed ? Jwks()[..10] : Jwks());
    }

    /// <summary>
    /// An access token as auth-service issues it (<c>typ at+jwt</c>, RS256, audience ledgerx-api), varied by the
    /// arguments: <paramref name="expiresIn"/> negative for an expired one, <paramref name="notBeforeIn"/> positive for one
    /// not valid yet, <paramref name="alg"/> <c>none</c>, <c>HS256</c> (signed with the key's public half, the classic
    /// confusion attack) or <c>PS256</c>; a null <paramref name="subject"/> leaves <c>sub</c> out.
    /// </summary>
    public string Mint(string? subject = "alice", IEnumerable<string>? permissions = null, TimeSpan? expiresIn = null,
        TimeSpan? notBeforeIn = null, string? audience = LedgerXClaims.ApiAudience, string issuer = Issuer, TestSigningKey? key = null,
        string alg = "RS256", IReadOnlyDictionary<string, object>? claims = null)
    {
        key ??= SigningKey;
        var now = DateTimeOffset.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(5));
        // An expired token was valid once: issued (and valid from) before it expired, as auth-service would have issued it.
        var notBefore = notBeforeIn is { } future ? now + future : new[] { now, expires - TimeSpan.FromMinutes(5) }.Min();
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["iat"] = notBefore.ToUnixTimeSeconds(),
            ["nbf"] = notBefore.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["client_id"] = "ledgerx-tests",
            ["scope"] = string.Join(' ', permissions ?? Permissions.All),
        };
        if (audience is not null)
        {
            payload["aud"] = audience;
        }
        if (subject is not null)
        {
            payload["sub"] = subject;
        }
        foreach (var (name, value) in claims ?? new Dictionary<string, object>())
        {
            payload[name] = JsonSerializer.SerializeToNode(value);
        }
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "at+jwt", ["kid"] = key.Kid };
        var signingInput = $"{Encode(header.ToJsonString())}.{Encode(payload.ToJsonString())}";
        return $"{signingInput}.{Sign(signingInput, key, alg)}";
    }

    /// <summary>An Authorization header carrying <see cref="Mint"/>'s token for <paramref name="subject"/> with
    /// <paramref name="permissions"/> (all of them when none are given).</summary>
    public AuthenticationHeaderValue Bearer(string subject = "alice", params string[] permissions) =>
        new("Bearer", Mint(subject, permissions.Length == 0 ? Permissions.All : permissions));

    private static string Sign(string signingInput, TestSigningKey key, string alg)
    {
        var data = Encoding.ASCII.GetBytes(signingInput);
        return alg switch
        {
            "none" => "",
            "RS256" => WebEncoders.Base64UrlEncode(key.Rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
            "PS256" => WebEncoders.Base64UrlEncode(key.Rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)),
            // The attacker's HMAC key is what the JWKS shows everyone: the public key.
            "HS256" => WebEncoders.Base64UrlEncode(HMACSHA256.HashData(Encoding.ASCII.GetBytes(key.Rsa.ExportSubjectPublicKeyInfoPem()), data)),
            _ => throw new ArgumentException($"TestTokens cannot sign with {alg}.", nameof(alg)),
        };
    }

    private static string Encode(string json) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(json));

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var key in _published)
            {
                key.Dispose();
            }
        }
    }
}
