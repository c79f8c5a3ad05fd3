using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LedgerX.Testing;

/// <summary>
/// Key-ring certificates for tests (ADR 0025, addendum): self-signed RSA certificates made at run time, as the secret
/// store holds them (base64 PKCS#12 without a password). <see cref="Shared"/> is the one a test host of notification-
/// or nlp-service uses unless a test rotates it.
/// </summary>
public static class TestKeyRingCertificates
{
    private static readonly Lazy<string> SharedOne = new(() => Create("shared"));

    /// <summary>One certificate for the whole test run, so a restarted host reads the key ring the previous one wrote.</summary>
    public static string Shared => SharedOne.Value;

    /// <summary>A new certificate, base64 PKCS#12 with its RSA private key and no password.</summary>
    public static string Create(string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN=LedgerX test key ring {name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12));
    }

    /// <summary>The certificate itself (DER, base64) as XML Encryption names it in an encrypted key's KeyInfo.</summary>
    public static string RawCertificate(string pfxBase64)
    {
        using var certificate = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(pfxBase64), password: null);
        return Convert.ToBase64String(certificate.RawData);
    }
}
