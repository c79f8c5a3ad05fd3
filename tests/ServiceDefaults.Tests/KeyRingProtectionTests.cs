using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using LedgerX.ServiceDefaults.Secrets;
using LedgerX.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// A Data Protection key ring encrypted at rest with certificates from the secret store (ADR 0025, addendum): what is
/// stored holds no plaintext key, a restart with the same certificate reads what the last process protected, a rotated
/// certificate reads old keys while the old one is still listed (and not after), and a ring stored before encryption
/// was turned on stays readable. The key files are the framework's own XML, in a folder instead of the services'
/// tables (the repository does not change what is encrypted; notification-service's tests check its table).
/// </summary>
public sealed class KeyRingProtectionTests : IDisposable
{
    private static readonly ServiceSecret Secret = KeyRingCertificates.Secret("test-keyring-certificate");
    private const string Purpose = "LedgerX.ServiceDefaults.Tests.KeyRing";

    private static readonly Lazy<string> CertificateA = new(() => TestKeyRingCertificates.Create("a"));
    private static readonly Lazy<string> CertificateB = new(() => TestKeyRingCertificates.Create("b"));

    private readonly DirectoryInfo _ring = Directory.CreateTempSubdirectory("ledgerx-keyring-");

    public void Dispose() => _ring.Delete(recursive: true);

    [Fact]
    public void Stored_keys_hold_no_plaintext_key_material()
    {
        using (var host = Start(CertificateA.Value))
        {
            Protector(host).Protect("whsec_secret").ShouldNotBeNullOrEmpty();
        }

        var key = KeyFiles().ShouldHaveSingleItem();
        key.ShouldContain("<encryptedSecret");
        key.ShouldContain(TestKeyRingCertificates.RawCertificate(CertificateA.Value), customMessage: "encrypted to the certificate from the secret store");
        key.ShouldNotContain("<masterKey");
        key.ShouldNotContain("unencrypted form");
    }

    [Fact]
    public void A_restart_with_the_same_certificate_reads_what_the_last_process_protected()
    {
        string protectedSecret;
        using (var first = Start(CertificateA.Value))
        {
            protectedSecret = Protector(first).Protect("whsec_secret");
        }

        using var second = Start(CertificateA.Value);
        Protector(second).Unprotect(protectedSecret).ShouldBe("whsec_secret");
    }

    [Fact]
    public void A_rotated_certificate_reads_old_keys_while_the_old_one_is_listed_and_encrypts_new_keys_to_the_new_one()
    {
        string old;
        using (var before = Start(CertificateA.Value))
        {
            old = Protector(before).Protect("old secret");
        }

        using (var rotated = Start($"{CertificateB.Value},{CertificateA.Value}"))
        {
            Protector(rotated).Unprotect(old).ShouldBe("old secret");
            NewKey(rotated);
        }

        var newest = KeyFiles().Where(f => !f.Contains(TestKeyRingCertificates.RawCertificate(CertificateA.Value), StringComparison.Ordinal)).ShouldHaveSingleItem();
        newest.ShouldContain("<encryptedSecret");
        newest.ShouldContain(TestKeyRingCertificates.RawCertificate(CertificateB.Value));

        // Without the old certificate its keys cannot be decrypted: they really were encrypted, not just marked.
        using var withoutOld = Start(CertificateB.Value);
        Should.Throw<CryptographicException>(() => Protector(withoutOld).Unprotect(old));
    }

    [Fact]
    public void A_key_ring_stored_unencrypted_stays_readable_and_its_new_keys_are_encrypted()
    {
        string beforeEncryption;
        using (var unencrypted = Start(certificates: null))
        {
            beforeEncryption = Protector(unencrypted).Protect("secret from before");
        }

        var legacy = KeyFiles().ShouldHaveSingleItem();
        legacy.ShouldContain("<masterKey", customMessage: "the framework without an encryptor stores the key as it is");

        using (var encrypted = Start(CertificateA.Value))
        {
            Protector(encrypted).Unprotect(beforeEncryption).ShouldBe("secret from before");
            NewKey(encrypted);
        }

        var files = KeyFiles();
        files.Count.ShouldBe(2);
        files.ShouldContain(legacy, "the old key is left as it was, and still used to read what it protected");
        files.Single(f => f != legacy).ShouldContain("<encryptedSecret");
        files.Single(f => f != legacy).ShouldNotContain("<masterKey");
    }

    [Fact]
    public void A_missing_certificate_stops_the_start_naming_the_secret_store_and_key()
    {
        var ex = Should.Throw<SecretStoreException>(() => Start(certificates: ""));

        ex.Message.ShouldContain("'test-keyring-certificate'");
        ex.Message.ShouldContain($"secret store '{SecretStoreOptions.DefaultName}'");
        ex.Message.ShouldContain(KeyRingCertificates.ConfigurationKey);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("bm90IGEgY2VydGlmaWNhdGU=")]
    public void An_unreadable_certificate_stops_the_start_naming_the_secret_and_never_the_value(string value)
    {
        var ex = Should.Throw<SecretStoreException>(() => Start(value));

        ex.Message.ShouldContain("'test-keyring-certificate'");
        ex.Message.ShouldContain("certificate 1 of 1");
        ex.Message.ShouldNotContain(value);
    }

    [Fact]
    public void A_certificate_without_its_private_key_is_refused()
    {
        using var full = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(CertificateA.Value), password: null);
        using var publicOnly = X509CertificateLoader.LoadCertificate(full.RawData);
        string pfx = Convert.ToBase64String(publicOnly.Export(X509ContentType.Pkcs12));

        var ex = Should.Throw<SecretStoreException>(() => Start($"{CertificateA.Value},{pfx}"));

        ex.Message.ShouldContain("certificate 2 of 2");
        ex.Message.ShouldContain("no RSA private key");
    }

    /// <summary>The committed development certificates load (they were made with openssl, not .NET) and are refused
    /// outside Development, as auth-service refuses its development signing keys.</summary>
    [Theory]
    [InlineData("notifications-keyring-certificate")]
    [InlineData("nlp-keyring-certificate")]
    public void The_development_certificates_of_secrets_json_work_in_Development_only(string name)
    {
        var secrets = JsonNode.Parse(File.ReadAllText(RepositoryRoot.PathOf("components", "secrets.json")))!.AsObject();
        string development = (string)secrets[name]!;

        using (var host = Start(development, Environments.Development))
        {
            var protector = Protector(host);
            protector.Unprotect(protector.Protect("dev")).ShouldBe("dev");
        }

        var ex = Should.Throw<SecretStoreException>(() => Start(development, Environments.Production));
        ex.Message.ShouldContain(KeyRingCertificates.DevelopmentMarker);
        ex.Message.ShouldContain("outside Development it is refused");
    }

    /// <summary>A host as a service composes it: the certificate setting (as the secret store lays it into configuration),
    /// then the key ring with its repository and the certificates. Null: no encryption at all (the ring before this change).</summary>
    private IHost Start(string? certificates, string environment = "Production")
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Services.AddLogging();
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("ledgerx-keyring-tests").PersistKeysToFileSystem(_ring);
        if (certificates is not null)
        {
            builder.Configuration[KeyRingCertificates.ConfigurationKey] = certificates;
            dataProtection.ProtectKeysWithSecretStoreCertificates(builder, Secret);
        }

        return builder.Build();
    }

    private static IDataProtector Protector(IHost host) => host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

    private static void NewKey(IHost host)
    {
        var now = DateTimeOffset.UtcNow;
        host.Services.GetRequiredService<IKeyManager>().CreateNewKey(now, now.AddDays(90));
    }

    private List<string> KeyFiles() => [.. _ring.EnumerateFiles("key-*.xml").Select(f => File.ReadAllText(f.FullName))];
}
