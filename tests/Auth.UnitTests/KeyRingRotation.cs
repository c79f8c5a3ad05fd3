using System.Collections.Immutable;
using System.Security.Cryptography;
using LedgerX.Auth.Api.Keys;

namespace LedgerX.Auth.UnitTests;

/// <summary>The rotation rule: newest signs, older keys are kept until their tokens can no longer be alive.</summary>
public sealed class KeyRingRotation
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(6);
    private static readonly StoredSigningKey Old = Key("old", T0.AddDays(-30));
    private static readonly StoredSigningKey New = Key("new", T0);

    private static StoredSigningKey Key(string kid, DateTimeOffset createdAt)
    {
        using var rsa = RSA.Create(2048);
        return new StoredSigningKey(kid, createdAt, rsa.ExportPkcs8PrivateKeyPem());
    }

    [Fact]
    public void TheNewestKeySigns()
    {
        var ring = KeyRingState.Next([], [Old, New], T0, Retention);

        ring.Single(k => k.RetiredAt is null).Kid.ShouldBe("new");
        ring.Select(k => k.Kid).ShouldBe(["new", "old"]);
    }

    [Fact]
    public void ARetiredKeyStaysUntilItsTokensExpiredThenLeaves()
    {
        var first = KeyRingState.Next([], [Old], T0, Retention);
        var rotated = KeyRingState.Next(first, [Old, New], T0.AddMinutes(1), Retention);
        rotated.Single(k => k.Kid == "old").RetiredAt.ShouldBe(T0.AddMinutes(1));

        KeyRingState.Next(rotated, [Old, New], T0.AddMinutes(6.9), Retention).Select(k => k.Kid).ShouldContain("old");
        KeyRingState.Next(rotated, [Old, New], T0.AddMinutes(7), Retention).Select(k => k.Kid).ShouldBe(["new"]);
    }

    [Fact]
    public void AKeyRemovedFromTheSecretEarlyStaysForItsRetention()
    {
        var rotated = KeyRingState.Next(KeyRingState.Next([], [Old], T0, Retention), [Old, New], T0.AddMinutes(1), Retention);

        var removed = KeyRingState.Next(rotated, [New], T0.AddMinutes(2), Retention);

        removed.Select(k => k.Kid).ShouldBe(["new", "old"]);
        KeyRingState.Next(removed, [New], T0.AddMinutes(8), Retention).Select(k => k.Kid).ShouldBe(["new"]);
    }

    [Fact]
    public void PublishedOnlyForTheAccessTokenRetention()
    {
        var key = new PublishedKey("old", T0, new Microsoft.IdentityModel.Tokens.RsaSecurityKey(RSA.Create(2048)), T0);

        key.IsPublished(T0.AddMinutes(5), TimeSpan.FromMinutes(6)).ShouldBeTrue();
        key.IsPublished(T0.AddMinutes(6), TimeSpan.FromMinutes(6)).ShouldBeFalse();
    }

    [Fact]
    public void AnEmptySecretIsRefused() =>
        Should.Throw<InvalidOperationException>(() => KeyRingState.Next(ImmutableArray<PublishedKey>.Empty, [], T0, Retention));

    [Fact]
    public void SmallKeysAreRefused()
    {
        using var rsa = RSA.Create(1024);
        Should.Throw<InvalidOperationException>(() => KeyRingState.Next([], [new StoredSigningKey("weak", T0, rsa.ExportPkcs8PrivateKeyPem())], T0, Retention))
            .Message.ShouldContain("2048");
    }

    [Fact]
    public void DuplicateKidsAreRefused() =>
        Should.Throw<InvalidOperationException>(() => KeyRingState.Parse(
            """[{"kid":"a","createdAt":"2026-12-01T00:00:00Z","privateKeyPem":"x"},{"kid":"a","createdAt":"2026-12-02T00:00:00Z","privateKeyPem":"y"}]"""));
}
