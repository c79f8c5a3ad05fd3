using System.Text.Json;
using LedgerX.Testing;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// auth-service's signing key of a local run: the development key in components/secrets.json (never used in
/// production: auth-service refuses it outside Development). With it a test mints tokens the services would accept
/// but for the one claim it gets wrong (expired, another audience, another issuer), so a refusal proves that check,
/// not merely an unknown signature.
/// </summary>
public static class DevelopmentSigningKey
{
    private static readonly Lazy<TestSigningKey> Key = new(Load);

    /// <summary>A token issuer holding the real key (its own key is never published).</summary>
    public static TestTokens Issuer { get; } = new();

    public static TestSigningKey Real => Key.Value;

    private static TestSigningKey Load()
    {
        using var secrets = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.PathOf("components", "secrets.json")));
        using var keys = JsonDocument.Parse(secrets.RootElement.GetProperty("auth-signing-keys").GetString()!);
        var first = keys.RootElement[0];
        var key = new TestSigningKey(first.GetProperty("kid").GetString()!);
        key.Rsa.ImportFromPem(first.GetProperty("privateKeyPem").GetString());
        return key;
    }
}
