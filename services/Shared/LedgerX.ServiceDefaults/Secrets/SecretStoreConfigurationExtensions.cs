using Dapr.Client;
using LedgerX.ServiceDefaults.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A service's own credentials from the Dapr secret store at start-up (docs/adr/0025-credentials-from-the-secret-store.md):
/// <c>await builder.AddSecretStoreConfigurationAsync(ServiceSecret.ConnectionString("Ledger", "ledger-connection-string"))</c>
/// before anything reads the configuration keys they fill.
/// </summary>
public static class SecretStoreConfigurationExtensions
{
    /// <summary>
    /// Reads each secret whose configuration key has no value yet through the app's sidecar and lays the values into
    /// <see cref="IHostApplicationBuilder.Configuration"/>. A key already set (a test's explicit setting, the migration
    /// init container's environment) wins and is not asked for, so such a host needs no sidecar. Fails with
    /// <see cref="SecretStoreException"/> naming the secret when the store lacks it or the sidecar never answers.
    /// </summary>
    public static async Task AddSecretStoreConfigurationAsync(this IHostApplicationBuilder builder, params ServiceSecret[] secrets)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = SecretStoreOptions.From(builder.Configuration);
        var fromStore = secrets.Where(s => string.IsNullOrEmpty(builder.Configuration[s.ConfigurationKey])).ToList();
        var explicitly = secrets.Except(fromStore).ToList();
        builder.Services.AddSingleton(new SecretStoreReport(options.Name, fromStore, explicitly));
        builder.Services.AddHostedService<SecretStoreReportLogger>();
        if (fromStore.Count == 0)
        {
            return;
        }

        // Its own client: the service provider that will hold the shared one does not exist yet. It finds the sidecar
        // as that one will (DAPR_GRPC_ENDPOINT / DAPR_HTTP_ENDPOINT / DAPR_*_PORT and DAPR_API_TOKEN, from configuration).
        using var dapr = new DaprClientBuilder()
            .UseGrpcEndpoint(Dapr.DaprDefaults.GetDefaultGrpcEndpoint(builder.Configuration))
            .UseHttpEndpoint(Dapr.DaprDefaults.GetDefaultHttpEndpoint(builder.Configuration))
            .UseDaprApiToken(Dapr.DaprDefaults.GetDefaultDaprApiToken(builder.Configuration))
            .Build();
        var values = await SecretStoreReader.ReadAsync(dapr, options, fromStore, TimeProvider.System, CancellationToken.None);
        builder.Configuration.AddInMemoryCollection(values.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)));
    }
}
