extern alias ledger;

using LedgerX.Testing;

namespace LedgerX.Analytics.IntegrationTests.Infrastructure;

/// <summary>
/// A service on real Kestrel against its own fresh PostgreSQL database, with its Dapr sidecar expected on reserved
/// ports (the sidecar starts after the app, because it discovers the app's subscriptions when it starts). Errors only
/// in the log, whatever LEDGERX_TEST_LOGS says.
/// </summary>
public abstract class ServiceHost<TEntryPoint>(string databasePrefix, string connectionStringName)
    : AppOnKestrel<TEntryPoint>(databasePrefix, connectionStringName, SidecarPorts.Free())
    where TEntryPoint : class
{
    protected override TimeSpan ClientTimeout => TimeSpan.FromSeconds(60);

    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Error",
    };
}

/// <summary>The real transaction-service; its outbox relay polls fast so events go out quickly. It requires a token on
/// every route, so every call of its <see cref="AppOnKestrel{TEntryPoint}.Client"/> is staff's (<see cref="Callers.Admin"/>:
/// ledger:fund for set-up deposits, accounts:any to act on the test owners' accounts, ledger:verify for its event log)
/// unless a request names another caller (opening an account is the owner's own call).</summary>
public sealed class LedgerHost() : ServiceHost<ledger::Program>("ledger", "Ledger")
{
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = Callers.Admin.Bearer();
    }

    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>(base.Defaults)
    {
        ["Ledger:Outbox:BackoffBaseMs"] = "50",
        ["Ledger:Outbox:BackoffMaxMs"] = "300",
        ["Ledger:Outbox:PollIntervalMs"] = "100",
    };
}

/// <summary>analytics-service, the subject. Every call of its <see cref="AppOnKestrel{TEntryPoint}.Client"/> is
/// <see cref="Callers.Admin"/>'s unless a test names another caller (<see cref="Callers.SendAsAsync"/>).</summary>
public sealed class AnalyticsHost() : ServiceHost<Program>("analytics", "Analytics")
{
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = Callers.Admin.Bearer();
    }
}
