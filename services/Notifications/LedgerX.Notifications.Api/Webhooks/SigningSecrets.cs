using LedgerX.Notifications.Api.Webhooks.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// Encrypts signing secrets for storage and gives back the ones that sign now: the current secret, and after a
/// rotation the retired one until its overlap ends (Stripe's rolling secrets), so receivers can switch without a gap.
/// </summary>
public sealed class SigningSecrets(IDataProtectionProvider provider)
{
    /// <summary>Versioned purpose: a future change of what is protected gets a new purpose, old ciphertexts stay readable.</summary>
    public const string Purpose = "LedgerX.Notifications.Webhooks.SigningSecret.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>The secrets that sign a message sent at <paramref name="now"/>, newest first.</summary>
    public IReadOnlyList<string> SigningAt(WebhookEndpointRow endpoint, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var secrets = new List<string>(2) { _protector.Unprotect(endpoint.SecretProtected) };
        if (endpoint.PreviousSecretProtected is { } previous && endpoint.PreviousSecretExpiresAt > now)
        {
            secrets.Add(_protector.Unprotect(previous));
        }
        return secrets;
    }
}
