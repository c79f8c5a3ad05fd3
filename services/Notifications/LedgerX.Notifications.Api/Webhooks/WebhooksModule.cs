using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Webhooks.Persistence;
using LedgerX.Notifications.Api.Infrastructure.Persistence;
using LedgerX.Notifications.Api.Delivery;
using LedgerX.ServiceDefaults.Secrets;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>What the webhooks module adds to notification-service: its options, tables, the sink intake calls, the
/// SSRF-guarded sender, the dispatcher and the Data Protection key ring that encrypts signing secrets.</summary>
public static class WebhooksModule
{
    /// <summary>Data Protection's application name: every replica must share it to read each other's ciphertexts.</summary>
    public const string DataProtectionApplication = "ledgerx-notification-service";

    public const string Module = "webhooks";

    /// <summary>
    /// The certificate(s) that encrypt the key ring at rest, read from the Dapr secret store at start-up (ADR 0025,
    /// addendum): a dump of the database alone no longer yields the keys, hence no signing secret.
    /// </summary>
    public static readonly ServiceSecret KeyRingSecret = KeyRingCertificates.Secret("notifications-keyring-certificate");

    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<WebhookOptions>(WebhookOptions.Section);
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        builder.AddModuleDbContext<WebhooksDbContext>(Module);
        // The key ring lives in the webhooks tables: every replica decrypts what another stored, and it survives restarts.
        // Its keys are encrypted there with the certificate from the secret store (keys stored before that stay readable).
        services.AddDataProtection().SetApplicationName(DataProtectionApplication).PersistKeysToDbContext<WebhooksDbContext>()
            .ProtectKeysWithSecretStoreCertificates(builder, KeyRingSecret);
        services.AddSingleton(sp => new SsrfGuard(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowedNetworks()));
        services.AddSingleton<SigningSecrets>();
        services.AddSingleton<WebhookDispatchSignal>();
        services.AddSingleton<WebhookSender>();
        services.AddScoped<IUserEventSink, WebhookSink>();
        services.AddScoped<IDeadLetterSource, WebhookDeadLetters>();
        services.AddHostedService<WebhookDispatcher>();
        // Automatic disables are audited in the same transaction (audit_outbox in this module's tables).
        builder.AddAuditOutbox<WebhooksDbContext>();
        return builder;
    }
}
