using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace LedgerX.ServiceDefaults.Secrets;

/// <summary>
/// The X.509 certificates that encrypt a service's ASP.NET Core Data Protection key ring at rest (ADR 0025, addendum):
/// one secret of the Dapr secret store holding one or more PKCS#12 (PFX) files, base64, separated by commas. The first
/// encrypts every key the ring creates from now on; all of them decrypt, so after a rotation the previous certificate
/// stays listed (second) until every key encrypted to it has expired and been replaced. Only parsing and checking here:
/// the encryption is the framework's own (<c>ProtectKeysWithCertificate</c>, <c>UnprotectKeysWithAnyCertificate</c>).
/// </summary>
public static class KeyRingCertificates
{
    /// <summary>Where the secret's value lands in configuration (each service has one key ring, so one key).</summary>
    public const string ConfigurationKey = "DataProtection:KeyRingCertificates";

    /// <summary>The subject marker of the development certificates in components/secrets.json, refused outside
    /// Development (as auth-service refuses its development signing keys).</summary>
    public const string DevelopmentMarker = "dev-only-do-not-use-in-production";

    /// <summary>The service's key-ring secret: <paramref name="secretName"/> in the store, <see cref="ConfigurationKey"/>
    /// in configuration.</summary>
    public static ServiceSecret Secret(string secretName) => new(secretName, ConfigurationKey);

    /// <summary>
    /// The certificates of <paramref name="secret"/>'s value in <paramref name="configuration"/>, current first. Fails
    /// with <see cref="SecretStoreException"/> naming the secret, store and configuration key (never a value) when the
    /// value is missing, is not base64 PKCS#12, or a certificate has no RSA private key (needed to decrypt).
    /// </summary>
    public static IReadOnlyList<X509Certificate2> Load(IConfiguration configuration, ServiceSecret secret, bool isDevelopment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(secret);
        string store = SecretStoreOptions.From(configuration).Name;
        string where = $"secret '{secret.SecretName}' of secret store '{store}' (configuration key {secret.ConfigurationKey})";
        string value = configuration[secret.ConfigurationKey] is { Length: > 0 } set
            ? set
            : throw new SecretStoreException(
                $"{where} is not set: the Data Protection key ring is encrypted with its certificate. Read it at start-up " +
                "(AddSecretStoreConfigurationAsync with the service's key-ring secret) or set it explicitly");

        // Whitespace is ignored, so a line-wrapped `base64` output works as well as `base64 -w0`.
        string[] entries = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0)
        {
            throw new SecretStoreException($"{where} holds no certificate");
        }

        var certificates = new List<X509Certificate2>(entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            string position = $"certificate {i + 1} of {entries.Length} in {where}";
            X509Certificate2 certificate;
            try
            {
                byte[] pfx = Convert.FromBase64String(string.Concat(entries[i].Where(c => !char.IsWhiteSpace(c))));
                certificate = X509CertificateLoader.LoadPkcs12(pfx, password: null);
            }
            catch (Exception ex) when (ex is FormatException or CryptographicException)
            {
                // The inner exception says what failed (bad base64, a password-protected or corrupt PKCS#12), not a value.
                throw new SecretStoreException($"{position} is not a base64 PKCS#12 (PFX) file without a password", ex);
            }

            using (var rsa = certificate.GetRSAPrivateKey())
            {
                if (rsa is null)
                {
                    certificate.Dispose();
                    throw new SecretStoreException($"{position} has no RSA private key: the key ring's keys are encrypted to an RSA certificate and decrypted with its private key");
                }
            }

            if (!isDevelopment && certificate.Subject.Contains(DevelopmentMarker, StringComparison.Ordinal))
            {
                string thumbprint = certificate.Thumbprint;
                certificate.Dispose();
                throw new SecretStoreException(
                    $"{position} is a development certificate ({thumbprint}, subject '{DevelopmentMarker}...' from components/secrets.json); outside Development it is refused");
            }

            if (certificates.All(c => c.Thumbprint != certificate.Thumbprint))
            {
                certificates.Add(certificate);
            }
            else
            {
                certificate.Dispose();
            }
        }

        return certificates;
    }
}
