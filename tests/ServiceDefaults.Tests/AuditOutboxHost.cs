using LedgerX.LocalDapr.Hosting;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>A service's own data: the action that an audit event records.</summary>
public sealed class Widget
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
}

/// <summary>A service's DbContext with the shared audit outbox in its model, as every LedgerX service adds it.</summary>
public sealed class WidgetContext(DbContextOptions<WidgetContext> options) : DbContext(options)
{
    public DbSet<Widget> Widgets => Set<Widget>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Widget>(w =>
        {
            w.ToTable("widgets");
            w.HasKey(x => x.Id);
        });
        model.ConfigureAuditOutbox();
    }
}

/// <summary>
/// A service that registers the audit outbox the way a LedgerX service does (service defaults, a pooled DbContext,
/// <c>AddAuditOutbox</c>) on its own PostgreSQL database, with a local Dapr sidecar whose in-memory pub/sub records
/// every publish. The relay's poll interval is a minute, so an event that goes out at once was woken by its commit.
/// </summary>
public sealed class AuditOutboxHost : IAsyncLifetime
{
    public const string AppId = "widget-service";

    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-audit-outbox-").FullName;
    private readonly SidecarPorts _ports = SidecarPorts.Free();

    public string ConnectionString { get; private set; } = "";

    public LocalDaprSidecar Sidecar { get; private set; } = null!;

    public WebApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("audit_outbox");
        await using (var db = NewContext())
        {
            await db.Database.EnsureCreatedAsync();
        }
        await File.WriteAllTextAsync(Path.Combine(_resources, "pubsub.yaml"),
            """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            """);
        Sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = AppId, HttpPort = _ports.Http, GrpcPort = _ports.Grpc, ResourcesPaths = [_resources], WaitForApp = false,
        });

        var builder = SampleService.CreateBuilder(new Dictionary<string, string?>
        {
            ["DAPR_GRPC_ENDPOINT"] = Sidecar.GrpcEndpoint,
            ["DAPR_HTTP_ENDPOINT"] = Sidecar.HttpEndpoint,
            ["AuditOutbox:PollIntervalMs"] = "60000",
        });
        builder.Services.AddDbContextPool<WidgetContext>(options => options.UseNpgsql(ConnectionString));
        builder.AddAuditOutbox<WidgetContext>();
        App = await SampleService.StartAsync(builder);
    }

    public WidgetContext NewContext() => new(new DbContextOptionsBuilder<WidgetContext>().UseNpgsql(ConnectionString).Options);

    /// <summary>A context from the app, as a request handler gets one (with the outbox's commit watch).</summary>
    public AsyncServiceScope Scope() => App.Services.CreateAsyncScope();

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        if (Sidecar is not null)
        {
            await Sidecar.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        if (ConnectionString.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }
        Directory.Delete(_resources, recursive: true);
    }
}
