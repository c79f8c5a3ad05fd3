using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Webhooks.Persistence;
using LedgerX.Notifications.Api.Infrastructure.Persistence;
using LedgerX.Notifications.Api.Delivery;
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

    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<WebhookOptions>(WebhookOptions.Section);
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        builder.AddModuleDbContext<WebhooksDbContext>(Module);
        // The key ring lives in the webhooks tables: every replica decrypts what another stored, and it survives restarts.
        services.AddDataProtection().SetApplicationName(DataProtectionApplication).PersistKeysToDbContext<WebhooksDbContext>();
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
