extern alias ledger;
using LedgerX.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Fraud.IntegrationTests.Infrastructure;

/// <summary>The real transaction-service, with a clock the test moves and an outbox that publishes one event at a time
/// (so each account's events leave in log order).</summary>
public sealed class LedgerApp(SidecarPorts sidecar, ShiftedClock clock) : AppOnKestrel<ledger::Program>("fraudit_ledger", "Ledger", sidecar)
{
    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        ["Ledger:Outbox:Concurrency"] = "1",
        ["Ledger:Outbox:PollIntervalMs"] = "100",
        ["Ledger:Outbox:BackoffBaseMs"] = "50",
        ["Ledger:Outbox:BackoffMaxMs"] = "300",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
    }

    /// <summary>transaction-service requires a token on every route: every call of <see cref="AppOnKestrel{TEntryPoint}.Client"/>
    /// is <see cref="Callers.Teller"/>'s (ledger:fund for set-up deposits and withdrawals, accounts:any to act on the test
    /// owners' accounts) unless a request names another caller (opening an account is the owner's own call).</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = Callers.Teller.Bearer();
    }
}

/// <summary>fraud-service, with the freeze policy on and fast dispatch loops; <paramref name="services"/> may replace
/// what it calls (the transaction-service client).</summary>
public sealed class FraudApp(SidecarPorts sidecar, IDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    : AppOnKestrel<Program>("fraudit_fraud", "Fraud", sidecar)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        ["Fraud:HighScorePolicy"] = "freeze",
        ["Fraud:Dispatch:PollIntervalMs"] = "100",
        ["Fraud:Dispatch:BackoffBaseMs"] = "50",
        ["Fraud:Dispatch:BackoffMaxMs"] = "500",
    };

    protected override IDictionary<string, string?> Settings => extra ?? base.Settings;

    /// <summary>Every call of <see cref="AppOnKestrel{TEntryPoint}.Client"/> is <see cref="Callers.FraudAnalyst"/>'s unless a
    /// test names another caller (<see cref="Callers.SendAsAsync"/>).</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = Callers.FraudAnalyst.Bearer();
    }
}
