using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Secrets;

/// <summary>
/// Which credentials came from the secret store and which were set explicitly, by name only. Logged once when the host
/// starts (logging is not built yet while the secrets are read), so an operator can see where each one came from.
/// </summary>
public sealed record SecretStoreReport(string Store, IReadOnlyList<ServiceSecret> FromStore, IReadOnlyList<ServiceSecret> Explicit);

internal sealed partial class SecretStoreReportLogger(SecretStoreReport report, ILogger<SecretStoreReportLogger> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (report.FromStore.Count > 0)
        {
            LogFromStore(logger, report.Store, Describe(report.FromStore));
        }

        if (report.Explicit.Count > 0)
        {
            LogExplicit(logger, Describe(report.Explicit));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Describe(IEnumerable<ServiceSecret> secrets) =>
        string.Join(", ", secrets.Select(s => $"{s.ConfigurationKey} from '{s.SecretName}'"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Credentials read from secret store {Store} at start-up: {Secrets}")]
    private static partial void LogFromStore(ILogger logger, string store, string secrets);

    // Information, not a warning: tests, the migration init container and `ledgerx bench` set them on purpose.
    [LoggerMessage(Level = LogLevel.Information, Message = "Credentials set explicitly, not read from the secret store: {Settings}")]
    private static partial void LogExplicit(ILogger logger, string settings);
}
