extern alias ledger;
using System.Net;
using LedgerX.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LedgerX.Fraud.IntegrationTests.Infrastructure;

/// <summary>An app on real Kestrel (port 0) with its own fresh PostgreSQL database, pointed at sidecar ports chosen
/// by the test. Both services are hosted the same way.</summary>
public abstract class AppOnKestrel<TEntryPoint>(string databasePrefix, string connectionStringName, SidecarPorts sidecar)
    : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    public string ConnectionString { get; private set; } = "";

    public HttpClient Client { get; private set; } = null!;

    public int Port => Client.BaseAddress!.Port;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>Starts on <paramref name="port"/> (0: any free port).</summary>
    public async Task StartAsync(int port = 0)
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync(databasePrefix);
        UseKestrel(port);
        StartServer();
        Client = CreateClient();
        Client.Timeout = TimeSpan.FromSeconds(30);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting($"ConnectionStrings:{connectionStringName}", ConnectionString);
        builder.UseSetting("DAPR_GRPC_ENDPOINT", $"http://127.0.0.1:{sidecar.Grpc}");
        builder.UseSetting("DAPR_HTTP_ENDPOINT", $"http://127.0.0.1:{sidecar.Http}");
        builder.UseSetting("Serilog:MinimumLevel:Default", Environment.GetEnvironmentVariable("LEDGERX_TEST_LOGS") == "1" ? "Information" : "Error");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (ConnectionString.Length > 0)
        {
            NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>The ports a sidecar will listen on, reserved before the app starts so the app can be told.</summary>
public sealed record SidecarPorts(int Http, int Grpc)
{
    public static SidecarPorts Free() => new(FreePort(), FreePort());

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The real transaction-service, with a clock the test moves and an outbox that publishes one event at a time
/// (so each account's events leave in log order).</summary>
public sealed class LedgerApp(SidecarPorts sidecar, ShiftedClock clock) : AppOnKestrel<ledger::Program>("fraudit_ledger", "Ledger", sidecar)
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
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

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>
            {
                ["Fraud:HighScorePolicy"] = "freeze",
                ["Fraud:Dispatch:PollIntervalMs"] = "100",
                ["Fraud:Dispatch:BackoffBaseMs"] = "50",
                ["Fraud:Dispatch:BackoffMaxMs"] = "500",
            };
            foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }
            return settings;
        }
    }
}
