using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace LedgerX.Testing;

/// <summary>
/// A service as it runs in production, for a test: real Kestrel (so request limits apply as in production), its own
/// PostgreSQL database, and its Dapr endpoints pointed at the <see cref="SidecarPorts"/> the test chose, where the test
/// may start a local sidecar. The database is a fresh one, created at start and dropped when disposed, unless the host
/// was given an existing one.
/// </summary>
/// <remarks>
/// Settings apply in this order, the last one winning: the database, the Dapr endpoints and the log level (this class),
/// <see cref="Defaults"/> (the host's), then <see cref="Settings"/> (a test's).
/// </remarks>
public abstract class AppOnKestrel<TEntryPoint> : WebApplicationFactory<TEntryPoint>, IAsyncLifetime
    where TEntryPoint : class
{
    private static readonly IDictionary<string, string?> NoSettings = new Dictionary<string, string?>();

    private readonly string _connectionStringName;

    /// <summary>Null when the host was given an existing database, which it neither creates nor drops.</summary>
    private readonly string? _databasePrefix;

    /// <summary>A service on a fresh database named after <paramref name="databasePrefix"/>, dropped when disposed.</summary>
    protected AppOnKestrel(string databasePrefix, string connectionStringName, SidecarPorts sidecar)
        : this(connectionStringName, sidecar) => _databasePrefix = databasePrefix;

    /// <summary>A service on an existing database, which it leaves in place when disposed.</summary>
    protected AppOnKestrel(string connectionStringName, SidecarPorts sidecar, string existingDatabase)
        : this(connectionStringName, sidecar) => ConnectionString = existingDatabase;

    private AppOnKestrel(string connectionStringName, SidecarPorts sidecar)
    {
        _connectionStringName = connectionStringName;
        Sidecar = sidecar;
    }

    public string ConnectionString { get; private set; } = "";

    /// <summary>Where the service expects its sidecar.</summary>
    public SidecarPorts Sidecar { get; }

    /// <summary>A client of the service's own API.</summary>
    public HttpClient Client { get; private set; } = null!;

    public int Port => Client.BaseAddress!.Port;

    /// <summary>The issuer whose tokens the service accepts: its keys are the service's JWKS (no auth-service, no sidecar
    /// hop), its issuer the service's <c>Auth:Issuer</c>. A host may give its own to rotate keys in a test.</summary>
    public virtual TestTokens Tokens => TestTokens.Shared;

    /// <summary>How long <see cref="Client"/> waits for an answer.</summary>
    protected virtual TimeSpan ClientTimeout => TimeSpan.FromSeconds(30);

    /// <summary>The host's settings for the service.</summary>
    protected virtual IDictionary<string, string?> Defaults => NoSettings;

    /// <summary>A test's settings, on top of <see cref="Defaults"/>.</summary>
    protected virtual IDictionary<string, string?> Settings => NoSettings;

    public virtual async ValueTask InitializeAsync() => await StartAsync();

    /// <summary>Starts on <paramref name="port"/> (0: any free port).</summary>
    public async Task StartAsync(int port = 0)
    {
        if (_databasePrefix is not null)
        {
            ConnectionString = await CreateDatabaseAsync(_databasePrefix);
        }
        UseKestrel(port);
        StartServer();
        Client = CreateClient();
        Client.Timeout = ClientTimeout;
    }

    /// <summary>Creates the host's fresh database; a host whose schema is migrated once and copied overrides it
    /// (<see cref="TestPostgres.CreateDatabaseAsync(string, string?, CancellationToken)"/>).</summary>
    protected virtual Task<string> CreateDatabaseAsync(string prefix) => TestPostgres.CreateDatabaseAsync(prefix);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting($"ConnectionStrings:{_connectionStringName}", ConnectionString);
        builder.UseSetting("DAPR_GRPC_ENDPOINT", $"http://127.0.0.1:{Sidecar.Grpc}");
        builder.UseSetting("DAPR_HTTP_ENDPOINT", $"http://127.0.0.1:{Sidecar.Http}");
        builder.UseSetting("Serilog:MinimumLevel:Default", Environment.GetEnvironmentVariable("LEDGERX_TEST_LOGS") == "1" ? "Information" : "Error");
        builder.UseSetting($"{AuthOptions.Section}:{nameof(AuthOptions.Issuer)}", TestTokens.Issuer);
        builder.ConfigureTestServices(services => services.AddSingleton<IJwksSource>(Tokens));
        foreach (var (key, value) in Defaults.Concat(Settings))
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        // The service's idle pooled connections would hold the database open (PostgreSQL refuses to drop it then).
        NpgsqlConnection.ClearAllPools();
        if (_databasePrefix is not null && ConnectionString.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }
        GC.SuppressFinalize(this);
    }
}
