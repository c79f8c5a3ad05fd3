using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Secrets;

/// <summary>
/// Says once at start-up, by thumbprint only, which certificate encrypts new keys of the Data Protection key ring and
/// which others still decrypt, so an operator rotating the certificate sees that the new one took effect.
/// </summary>
internal sealed partial class KeyRingCertificatesLogger(
    ServiceSecret secret, IReadOnlyList<X509Certificate2> certificates, ILogger<KeyRingCertificatesLogger> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogCertificates(logger, secret.SecretName, certificates[0].Thumbprint, certificates[0].NotAfter,
            certificates.Count == 1 ? "none" : string.Join(", ", certificates.Skip(1).Select(c => c.Thumbprint)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Data Protection key ring encrypted at rest with certificates from secret {Secret}: new keys to {Current} (not after {NotAfter:O}), older keys also decrypted with {Previous}")]
    private static partial void LogCertificates(ILogger logger, string secret, string current, DateTime notAfter, string previous);
}
