using LedgerX.ServiceDefaults.Secrets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Nlp.IntegrationTests.Infrastructure;

/// <summary>
/// nlp-service on Kestrel, on a database the fixture owns (so a test can stop a replica and start another on the same
/// data: a crash), expecting its sidecar on <paramref name="sidecar"/>. <paramref name="settings"/> are a test's on top of
/// the host's fast loops; <paramref name="services"/> may replace services (the answerer, the tools, the clock).
/// </summary>
public sealed class NlpApp(
    SidecarPorts sidecar, string database, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : AppOnKestrel<Program>(ConnectionStringName, sidecar, database)
{
    public const string ConnectionStringName = "Nlp";

    /// <summary>Fast loops, so tests do not wait for production poll intervals; and the key ring's certificate, set
    /// explicitly as the other credentials are.</summary>
    protected override IDictionary<string, string?> Defaults { get; } =
        new Dictionary<string, string?>(FastLoops) { [KeyRingCertificates.ConfigurationKey] = TestKeyRingCertificates.Shared };

    public static readonly IDictionary<string, string?> FastLoops = new Dictionary<string, string?>
    {
        ["Nlp:SweepIntervalMs"] = "200",
        ["Nlp:CancelPollMs"] = "100",
        ["Nlp:RetryBackoffMs"] = "100",
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
