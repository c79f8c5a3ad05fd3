using LedgerX.ServiceDefaults.Secrets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Notifications.IntegrationTests.Infrastructure;

/// <summary>
/// notification-service on Kestrel, on a database the fixture owns (so a test can stop the service and start another on
/// the same data: a crash and restart), expecting its sidecar on <paramref name="sidecar"/>. <paramref name="settings"/>
/// are a test's on top of the host's fast loops; <paramref name="services"/> may replace services (the clock).
/// </summary>
public sealed class NotificationsApp(
    SidecarPorts sidecar, string database, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : AppOnKestrel<Program>(ConnectionStringName, sidecar, database)
{
    public const string ConnectionStringName = "Notifications";

    /// <summary>Fast loops, so tests do not wait for production poll intervals; and the key ring's certificate, set
    /// explicitly as the other credentials are (a test's settings may rotate it).</summary>
    protected override IDictionary<string, string?> Defaults { get; } =
        new Dictionary<string, string?>(FastLoops) { [KeyRingCertificates.ConfigurationKey] = TestKeyRingCertificates.Shared };

    public static readonly IDictionary<string, string?> FastLoops = new Dictionary<string, string?>
    {
        ["Notifications:Delivery:PollIntervalMs"] = "100",
        ["Notifications:Delivery:BackoffBaseMs"] = "50",
        ["Notifications:Delivery:BackoffMaxMs"] = "300",
        ["Notifications:Delivery:MaxAttempts"] = "3",
        ["Notifications:Delivery:InCallRetries"] = "0",
        ["Notifications:Intake:MaxOwnerWaitAttempts"] = "60",
    };

    protected override IDictionary<string, string?> Settings => settings ?? base.Settings;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
