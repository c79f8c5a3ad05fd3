using LedgerX.ServiceDefaults.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.DataProtection;

/// <summary>
/// A Data Protection key ring encrypted at rest with certificates from the Dapr secret store (ADR 0025, addendum):
/// <c>services.AddDataProtection()...PersistKeysToDbContext&lt;T&gt;().ProtectKeysWithSecretStoreCertificates(builder, secret)</c>,
/// after <c>AddSecretStoreConfigurationAsync</c> read <paramref name="secret"/>.
/// </summary>
public static class KeyRingProtectionExtensions
{
    /// <summary>
    /// New keys are encrypted to the secret's first certificate (<c>ProtectKeysWithCertificate</c>); keys encrypted to
    /// any of its certificates are decrypted (<c>UnprotectKeysWithAnyCertificate</c>). Keys stored before encryption was
    /// turned on carry no <c>encryptedSecret</c> and are still read as they are. Fails at start-up, naming the secret,
    /// when the certificates are missing or unusable (<see cref="KeyRingCertificates.Load"/>).
    /// </summary>
    public static IDataProtectionBuilder ProtectKeysWithSecretStoreCertificates(
        this IDataProtectionBuilder dataProtection, IHostApplicationBuilder host, ServiceSecret secret)
    {
        ArgumentNullException.ThrowIfNull(dataProtection);
        ArgumentNullException.ThrowIfNull(host);
        var certificates = KeyRingCertificates.Load(host.Configuration, secret, host.Environment.IsDevelopment());
        dataProtection.Services.AddHostedService(sp => new KeyRingCertificatesLogger(
            secret, certificates, sp.GetRequiredService<ILogger<KeyRingCertificatesLogger>>()));
        return dataProtection
            .ProtectKeysWithCertificate(certificates[0])
            .UnprotectKeysWithAnyCertificate([.. certificates]);
    }
}

