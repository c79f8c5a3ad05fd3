using System.Globalization;
using System.Text.Json;
using LedgerX.Auth.Api.Persistence;
using LedgerX.LocalDapr.Hosting;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.LocalDapr.PubSub;
using LedgerX.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

// One auth-service for the whole assembly, shared by every test class that takes an AuthServer, so the classes run in
// parallel; as one collection they ran one test at a time. Each test makes its own users, signs the seeded ones in
// without changing them, and reads only its own audit rows and outbox messages, so none depends on what another does
// meanwhile.
[assembly: AssemblyFixture(typeof(LedgerX.Auth.IntegrationTests.Infrastructure.AuthServer))]

namespace LedgerX.Auth.IntegrationTests.Infrastructure;

/// <summary>An auth server of a test class's own, for a test that changes what every test of the shared one relies on
/// (<see cref="Cli.CliClientUpgrade"/> re-seeds it).</summary>
public sealed class PrivateAuthServer : IAsyncLifetime
{
    public AuthServer Server { get; } = new();

    public ValueTask InitializeAsync() => Server.InitializeAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>
/// auth-service on Kestrel with its own database and its own local Dapr sidecar. The sidecar's secret store is the
/// process environment (secretstores.local.env), under names unique to this fixture, so a test can rotate the signing
/// keys mid-stream by changing one variable; its pub/sub is in memory. Seeded (Development) with a known admin and
/// customer, the CLI's public client and a machine client.
/// </summary>
public sealed class AuthServer : IAsyncLifetime
{
    public const string AdminEmail = "admin@authit.test";
    public const string AdminPassword = "Admin-Passw0rd-Long";
    public const string CustomerEmail = "customer@authit.test";
    public const string CustomerPassword = "Customer-Passw0rd-Long";
    public const string MachineSecret = "machine-secret-for-tests-only";
    public const string CliClient = "ledgerx-cli";
    public const string MachineClient = "ledgerx-machine";
    public const string ServiceClient = "svc-it";
    public const string ServiceSecret = "service-secret-for-tests-only";
    public const string ServiceScopes = "accounts:freeze ledger:read";
    public const int LockoutAttempts = 3;

    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-auth-it-").FullName;
    private readonly string _prefix = "AUTHIT_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
    private readonly InMemoryPubSubNetwork _network = new();
    private readonly SidecarPorts _ports = SidecarPorts.Free();
    private LocalDaprSidecar _sidecar = null!;

    public AuthApp App { get; private set; } = null!;

    public string KeysVariable => _prefix + "_KEYS";

    /// <summary>The sidecar's ports, for a second app that reads the same secrets.</summary>
    public SidecarPorts Ports => _ports;

    public string Prefix => _prefix;

    public string Issuer { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        await AuthServiceComponents.WriteAsync(_resources);
        Environment.SetEnvironmentVariable(KeysVariable, TestKeys.Json(TestKeys.New("it-key-1", DateTimeOffset.UtcNow.AddDays(-1))));
        Environment.SetEnvironmentVariable(_prefix + "_ENC", TestKeys.EncryptionKey());
        Environment.SetEnvironmentVariable(_prefix + "_MACHINE", MachineSecret);
        Environment.SetEnvironmentVariable(_prefix + "_SERVICE", ServiceSecret);

        var port = FreePorts.Next();
        Issuer = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/");
        _sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "auth-service", AppPort = port, HttpPort = _ports.Http, GrpcPort = _ports.Grpc,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network, WaitForApp = false,
        });
        App = new AuthApp(_ports, Settings(Issuer, _prefix));
        await App.StartAsync(port);
    }

    /// <summary>The settings of this fixture's app, for a test that starts a second one on the same secrets.</summary>
    public static Dictionary<string, string?> Settings(string issuer, string prefix) => new()
    {
        ["Auth:Issuer"] = issuer,
        ["Auth:RequireHttps"] = "false",
        ["Auth:SigningKeysSecret"] = prefix + "_KEYS",
        ["Auth:EncryptionKeySecret"] = prefix + "_ENC",
        ["Auth:SigningKeysRefreshSeconds"] = "1",
        ["Auth:LockoutMaxFailedAttempts"] = LockoutAttempts.ToString(CultureInfo.InvariantCulture),
        // The lowest the option allows; AuthApp lowers the hasher's cost further (TestPasswordHashIterations). The
        // production default stays 600,000.
        ["Auth:PasswordHashIterations"] = "100000",
        ["Auth:Outbox:PollIntervalMs"] = "100",
        ["Auth:Seed:Enabled"] = "true",
        ["Auth:Seed:AdminEmail"] = AdminEmail,
        ["Auth:Seed:AdminPassword"] = AdminPassword,
        ["Auth:Seed:CustomerEmail"] = CustomerEmail,
        ["Auth:Seed:CustomerPassword"] = CustomerPassword,
        ["Auth:Seed:MachineClientSecretName"] = prefix + "_MACHINE",
        ["Auth:Seed:MachineClientScopes"] = "ledger:read ledger:write",
        [$"Auth:Seed:ServiceClients:{ServiceClient}:Scopes"] = ServiceScopes,
        [$"Auth:Seed:ServiceClients:{ServiceClient}:SecretName"] = prefix + "_SERVICE",
    };

    public HttpClient Client => App.Client;

    /// <summary>A browser-like client: its own cookie jar, redirects left to the test.</summary>
    public Browser Browser() => new(App.Client.BaseAddress!);

    /// <summary>The outbox rows of one topic, oldest first, as JSON.</summary>
    public async Task<IReadOnlyList<JsonElement>> OutboxAsync(string topic)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var rows = await db.Outbox.AsNoTracking().Where(r => r.Topic == topic).OrderBy(r => r.Id).Select(r => r.Payload).ToListAsync();
        return [.. rows.Select(p => JsonDocument.Parse(p).RootElement.Clone())];
    }

    /// <summary>The audit events in the shared audit outbox, oldest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditOutboxAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var rows = await db.Set<AuditOutboxRow>().AsNoTracking().OrderBy(r => r.EnqueuedAt).ThenBy(r => r.EventId).Select(r => r.Payload).ToListAsync();
        return [.. rows.Select(p => JsonDocument.Parse(p).RootElement.Clone())];
    }

    /// <summary>The audit events of one action about one subject id (null: any subject).</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditAsync(string action, string? subjectId = null) =>
        [.. (await AuditOutboxAsync()).Where(e =>
            e.GetProperty("action").GetString() == action &&
            (subjectId is null || (e.TryGetProperty("subject", out var s) && s.ValueKind == JsonValueKind.Object && s.GetProperty("id").GetString() == subjectId)))];

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await _sidecar.DisposeAsync();
        await _network.DisposeAsync();
        foreach (var suffix in new[] { "_KEYS", "_ENC", "_MACHINE", "_SERVICE" })
        {
            Environment.SetEnvironmentVariable(_prefix + suffix, null);
        }
        Directory.Delete(_resources, recursive: true);
    }
}

/// <summary>auth-service as it runs, in Development (where seeding is allowed) unless told otherwise.</summary>
public sealed class AuthApp(SidecarPorts sidecar, IDictionary<string, string?> settings, string environment = "Development")
    : AppOnKestrel<Program>("authit", "Auth", sidecar)
{
    protected override IDictionary<string, string?> Defaults => settings;

    /// <summary>PBKDF2 iterations of the passwords these tests hash: far below any real cost, since every test registers
    /// and signs in users on two shared cores. Auth:PasswordHashIterations cannot go this low (it refuses less than
    /// 100,000), so the hasher's options are set after it; no test here is about the hash's cost.</summary>
    public const int TestPasswordHashIterations = 1_000;

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment(environment);
        builder.ConfigureTestServices(services =>
            services.PostConfigure<PasswordHasherOptions>(hasher => hasher.IterationCount = TestPasswordHashIterations));
    }
}
