using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace LedgerX.Auth.Audit.Tests;

/// <summary>
/// The audit log hosted as auth-service hosts it (service defaults, cloud events, AddAuditLog, MapAuditLogApi,
/// MigrateAuditLogAsync) on Kestrel, its own fresh PostgreSQL database and a local Dapr sidecar with in-memory pub/sub,
/// which delivers audit.recorded.v1 to the subscription. A JWT bearer scheme with a symmetric test key is the default
/// scheme, standing in for the host's token validation; <see cref="Token"/> mints its tokens.
/// </summary>
public sealed class AuditLogHost : IAsyncLifetime
{
    public const string Issuer = "https://auth.test/";
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("audit-log-tests-signing-key-of-at-least-256-bits!"));

    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-audit-log-").FullName;
    private readonly SidecarPorts _ports = SidecarPorts.Free();
    private WebApplication _app = null!;

    public string ConnectionString { get; private set; } = "";

    public LocalDaprSidecar Sidecar { get; private set; } = null!;

    /// <summary>A client of the sidecar, publishing as another service's outbox relay would.</summary>
    public DaprClient Dapr { get; private set; } = null!;

    /// <summary>No token: for the 401s and the subscription route (the sidecar sends none).</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>An auditor: a user token with audit:read.</summary>
    public HttpClient Auditor { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("auth_audit");
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

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Auth"] = ConnectionString,
            ["APP_ID"] = "auth-service",
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{_ports.Http}",
            ["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{_ports.Grpc}",
            ["Serilog:MinimumLevel:Default"] = Environment.GetEnvironmentVariable("LEDGERX_TEST_LOGS") == "1" ? "Information" : "Error",
        });
        builder.AddServiceDefaults();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = Issuer,
                ValidAudience = LedgerXClaims.ApiAudience,
                IssuerSigningKey = Key,
                NameClaimType = LedgerXClaims.Subject,
            };
        });
        builder.AddAuditLog();
        builder.AddOpenApiDocument("LedgerX auth-service (audit log)", "The audit log's routes as auth-service documents them.");

        _app = builder.Build();
        _app.UseServiceDefaults();
        _app.UseCloudEvents(new() { ForwardCloudEventPropertiesAsHeaders = true });
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapApiReference();
        _app.MapSubscribeHandler();
        _app.MapAuditLogApi();
        await _app.MigrateAuditLogAsync();
        await _app.StartAsync();
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

        Sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "auth-service", AppPort = address.Port, HttpPort = _ports.Http, GrpcPort = _ports.Grpc, ResourcesPaths = [_resources],
        });
        Dapr = new DaprClientBuilder().UseGrpcEndpoint(Sidecar.GrpcEndpoint).UseHttpEndpoint(Sidecar.HttpEndpoint).Build();
        Anonymous = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        Auditor = Client(Token("auditor-1", Permissions.AuditRead, Permissions.LedgerRead));
    }

    /// <summary>A client sending <paramref name="token"/> as its bearer token.</summary>
    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = Anonymous.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A user's access token as auth-service issues them: sub, client_id, space-separated scope.</summary>
    public static string Token(string subject, params string[] scopes) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = LedgerXClaims.ApiAudience,
            Expires = DateTime.UtcNow.AddMinutes(5),
            Subject = new ClaimsIdentity(
            [
                new Claim(LedgerXClaims.Subject, subject), new Claim(LedgerXClaims.ClientId, "ledgerx-cli"),
                new Claim(LedgerXClaims.Scope, string.Join(' ', scopes)),
            ]),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });

    /// <summary>Publishes the raw bytes on audit.recorded.v1 as an outbox relay does (CloudEvent id = event id).</summary>
    public Task PublishAsync(string cloudEventId, byte[] payload) =>
        Dapr.PublishByteEventAsync("pubsub", AuditTopics.Recorded, payload, "application/json",
            new Dictionary<string, string> { ["cloudevent.id"] = cloudEventId, ["cloudevent.type"] = AuditTopics.Recorded }, TestContext.Current.CancellationToken);

    public Task PublishAsync(AuditRecorded e) => PublishAsync(e.EventId.ToString(), Encoding.UTF8.GetBytes(AuditOutbox.Serialize(e)));

    /// <summary>Posts a body to the subscription route directly, as the sidecar would deliver it (no CloudEvent envelope).</summary>
    public async Task<string> DeliverAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await Anonymous.PostAsync("/events/audit-recorded", content, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return answer.RootElement.GetProperty("status").GetString()!;
    }

    /// <summary>Runs SQL as the database owner (the test server's superuser), as a tamperer with owner rights would.</summary>
    public async Task ExecuteAsOwnerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Dapr?.Dispose();
        Anonymous?.Dispose();
        Auditor?.Dispose();
        if (Sidecar is not null)
        {
            await Sidecar.DisposeAsync();
        }
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        if (ConnectionString.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }
        Directory.Delete(_resources, recursive: true);
    }
}
