extern alias auth;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Contracts.ProviderTests.Infrastructure;

/// <summary>
/// The real auth-service for its provider verification: its own database, its own local sidecar whose secret store is
/// the process environment (a fresh signing key under names unique to this host), and a provider-state endpoint that
/// knows the states auth-service's consumers may name.
/// </summary>
public sealed class AuthServiceHost : AppOnKestrel<auth::Program>
{
    public const string ProviderStatesPath = "/_pact/provider-states";

    /// <summary>States that hold in every running auth-service (it does not start without a signing key).</summary>
    public static readonly IReadOnlySet<string> KnownStates = new HashSet<string>(StringComparer.Ordinal)
    {
        "auth-service has a signing key", "auth-service publishes its signing keys", "auth-service documents its API",
    };

    private static readonly SidecarPorts Ports = SidecarPorts.Free();
    private readonly string _prefix = "PACTAUTH_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-pact-auth-").FullName;
    private readonly int _port = FreePorts.Next();
    private LocalDaprSidecar? _sidecar;

    public AuthServiceHost() : base("pact_auth", "Auth", Ports)
    {
    }

    public Uri BaseAddress => Client.BaseAddress!;

    public Uri ProviderStatesUrl => new(BaseAddress, ProviderStatesPath);

    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        ["Auth:Issuer"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_port}/"),
        ["Auth:RequireHttps"] = "false",
        ["Auth:SigningKeysSecret"] = _prefix + "_KEYS",
        ["Auth:EncryptionKeySecret"] = _prefix + "_ENC",
    };

    public override async ValueTask InitializeAsync()
    {
        using var rsa = RSA.Create(2048);
        Environment.SetEnvironmentVariable(_prefix + "_KEYS", JsonSerializer.Serialize(new[]
        {
            new { kid = "pact-key-1", createdAt = DateTimeOffset.UtcNow, privateKeyPem = rsa.ExportPkcs8PrivateKeyPem() },
        }));
        Environment.SetEnvironmentVariable(_prefix + "_ENC", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        await AuthServiceComponents.WriteAsync(_resources);
        _sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "auth-service", AppPort = _port, HttpPort = Ports.Http, GrpcPort = Ports.Grpc,
            ResourcesPaths = [_resources], WaitForApp = false,
        });
        await StartAsync(_port);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, StateEndpoint>());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        Environment.SetEnvironmentVariable(_prefix + "_KEYS", null);
        Environment.SetEnvironmentVariable(_prefix + "_ENC", null);
        Directory.Delete(_resources, recursive: true);
    }

    /// <summary>Accepts the known states (nothing to set up: they always hold) and refuses any other by name.</summary>
    private sealed class StateEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map(ProviderStatesPath, branch => branch.Run(async http =>
            {
                using var body = await JsonDocument.ParseAsync(http.Request.Body);
                var state = body.RootElement.TryGetProperty("state", out var s) ? s.GetString() : null;
                http.Response.StatusCode = state is null || KnownStates.Contains(state) ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
                await http.Response.WriteAsync(state is null || KnownStates.Contains(state) ? "{}" : $"unknown provider state '{state}'");
            }));
            next(app);
        };
    }
}
