using System.Security.Cryptography;
using System.Text.Json;
using LedgerX.Auth.Api.Keys;

namespace LedgerX.Auth.IntegrationTests.Infrastructure;

/// <summary>Signing keys as the secret store holds them, made fresh for a test run.</summary>
public static class TestKeys
{
    public static StoredSigningKey New(string kid, DateTimeOffset createdAt)
    {
        using var rsa = RSA.Create(2048);
        return new StoredSigningKey(kid, createdAt, rsa.ExportPkcs8PrivateKeyPem());
    }

    public static string Json(params StoredSigningKey[] keys) => JsonSerializer.Serialize(keys);

    public static string EncryptionKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
