extern alias fraud;
extern alias ledger;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Nlp.IntegrationTests.Tools.Infrastructure;

/// <summary>
/// The downstream apps' clock: real time plus an offset the scenario moves forward (days of history in seconds), shared
/// by the ledger and fraud-service so an alert is created after the entry it is about, as in production. Truncated to
/// microseconds like the ledger's own clock (PostgreSQL stores microseconds).
/// </summary>
public sealed class DownstreamClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
        return new DateTimeOffset(now.Ticks - (now.Ticks % 10), TimeSpan.Zero);
    }

    /// <summary>Moves time forward (never back: the ledger's log is in time order).</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}

/// <summary>The real transaction-service on <see cref="DownstreamClock"/>; its outbox publishes one event at a time, so
/// each account's events reach fraud-service in log order.</summary>
public sealed class ToolsLedgerApp(SidecarPorts sidecar, DownstreamClock clock) : AppOnKestrel<ledger::Program>("nlpit_ledger", "Ledger", sidecar)
{
    protected override TimeSpan ClientTimeout => TimeSpan.FromSeconds(60);

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
}

/// <summary>The real fraud-service on <see cref="DownstreamClock"/>, with no high-score policy (an alert only: nothing is
/// frozen or reversed behind the scenario's back).</summary>
public sealed class ToolsFraudApp(SidecarPorts sidecar, DownstreamClock clock, IDictionary<string, string?> identity)
    : AppOnKestrel<fraud::Program>("nlpit_fraud", "Fraud", sidecar)
{
    protected override TimeSpan ClientTimeout => TimeSpan.FromSeconds(60);

    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>(identity)
    {
        ["Fraud:HighScorePolicy"] = "None",
        ["Fraud:Dispatch:PollIntervalMs"] = "100",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
    }
}
