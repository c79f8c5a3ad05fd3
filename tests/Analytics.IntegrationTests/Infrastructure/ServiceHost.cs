extern alias ledger;

using System.Net;
using LedgerX.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LedgerX.Analytics.IntegrationTests.Infrastructure;

/// <summary>
/// A service on real Kestrel against its own fresh PostgreSQL database, with its Dapr sidecar expected on reserved
/// ports (the sidecar starts after the app, because it discovers the app's subscriptions when it starts).
/// </summary>
public abstract class ServiceHost<TEntryPoint>(string connectionStringName, string databasePrefix) : WebApplicationFactory<TEntryPoint>, IAsyncLifetime
    where TEntryPoint : class
{
    public string ConnectionString { get; private set; } = "";
    public int SidecarGrpcPort { get; } = FreePort();
    public int SidecarHttpPort { get; } = FreePort();
    public HttpClient Client { get; private set; } = null!;

    public int Port => new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync(databasePrefix);
        UseKestrel(0);
        StartServer();
        Client = CreateClient();
        Client.Timeout = TimeSpan.FromSeconds(60);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting($"ConnectionStrings:{connectionStringName}", ConnectionString);
        builder.UseSetting("DAPR_GRPC_ENDPOINT", $"http://127.0.0.1:{SidecarGrpcPort}");
        builder.UseSetting("DAPR_HTTP_ENDPOINT", $"http://127.0.0.1:{SidecarHttpPort}");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Error");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (ConnectionString.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }
        GC.SuppressFinalize(this);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The real transaction-service; its outbox relay polls fast so events go out quickly.</summary>
public sealed class LedgerHost() : ServiceHost<ledger::Program>("Ledger", "ledger")
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Ledger:Outbox:BackoffBaseMs"] = "50",
        ["Ledger:Outbox:BackoffMaxMs"] = "300",
        ["Ledger:Outbox:PollIntervalMs"] = "100",
    };
}

/// <summary>analytics-service, the subject.</summary>
public sealed class AnalyticsHost() : ServiceHost<Program>("Analytics", "analytics");
