using System.Text.Json;
using LedgerX.Auth.Api.Keys;
using LedgerX.Testing;

namespace LedgerX.Auth.UnitTests;

/// <summary>components/secrets.json (what `./ledgerx up` reads) holds keys auth-service accepts in Development and,
/// by their kid, refuses elsewhere.</summary>
public sealed class CommittedDevelopmentKeys
{
    private static readonly JsonElement Secrets =
        JsonDocument.Parse(File.ReadAllText(RepositoryRoot.PathOf("components", "secrets.json"))).RootElement;

    [Fact]
    public void TheSigningKeysLoadAndAreMarkedDevelopmentOnly()
    {
        var keys = KeyRingState.Parse(Secrets.GetProperty("auth-signing-keys").GetString()!);

        keys.ShouldNotBeEmpty();
        keys.ShouldAllBe(k => k.Kid.StartsWith(KeyRingState.DevelopmentKidPrefix, StringComparison.Ordinal));
        KeyRingState.Next([], keys, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(6)).ShouldNotBeEmpty();
    }

    [Fact]
    public void TheEncryptionKeyIs256Bits() =>
        Convert.FromBase64String(Secrets.GetProperty("auth-token-encryption-key").GetString()!).Length.ShouldBe(32);
}
