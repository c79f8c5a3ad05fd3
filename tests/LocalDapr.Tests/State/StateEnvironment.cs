using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Tests.State;

/// <summary>A sidecar with one state store named <c>statestore</c> of the given type, and a client.</summary>
internal sealed class StateEnvironment : IAsyncDisposable
{
    private readonly ResourceFolder _resources;
    private readonly string? _database;

    private StateEnvironment(ResourceFolder resources, LocalDaprSidecar sidecar, string? database)
    {
        _resources = resources;
        Sidecar = sidecar;
        _database = database;
        Client = Clients.For(sidecar);
    }

    public LocalDaprSidecar Sidecar { get; }

    public DaprClient Client { get; }

    public static async Task<StateEnvironment> StartAsync(string type)
    {
        var resources = new ResourceFolder();
        string? database = null;
        if (type == "state.postgresql")
        {
            database = await TestPostgres.CreateDatabaseAsync("localdapr_state");
            resources.WithComponent("statestore", type, ("connectionString", database), ("tablePrefix", "ldt_"));
        }
        else
        {
            resources.WithComponent("statestore", type);
        }

        var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "state-" + Guid.NewGuid().ToString("N")[..8], ResourcesPaths = [resources.Path] }, TestContext.Current.CancellationToken);
        return new StateEnvironment(resources, sidecar, database);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Sidecar.DisposeAsync();
        _resources.Dispose();
        if (_database is not null)
        {
            await TestPostgres.DropDatabaseAsync(_database);
        }
    }
}
