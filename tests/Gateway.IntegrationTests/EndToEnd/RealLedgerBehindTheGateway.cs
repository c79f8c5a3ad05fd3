extern alias ledger;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LedgerX.LocalDapr.Hosting;
using LedgerX.ServiceDefaults.Auth;
using Npgsql;

namespace LedgerX.Gateway.IntegrationTests.EndToEnd;

/// <summary>The real transaction-service, on its own PostgreSQL database, behind its sidecar.</summary>
public sealed class RealLedger() : AppOnKestrel<ledger::Program>("gwit_ledger", "Ledger", SidecarPorts.Free())
{
    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Fatal",
    };
}

/// <summary>The gateway in front of the real ledger (the other clusters are fakes, unused here).</summary>
public sealed class GatewayBeforeTheRealLedger : IAsyncLifetime
{
    private LocalDaprSidecar? _ledgerSidecar;

    public RealLedger Ledger { get; } = new();

    public LedgerGateway Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Ledger.InitializeAsync();
        _ledgerSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "transaction-service-" + Guid.NewGuid().ToString("N")[..8], AppPort = Ledger.Port,
            HttpPort = Ledger.Sidecar.Http, GrpcPort = Ledger.Sidecar.Grpc, WaitForApp = false,
        });
        Gateway = new LedgerGateway(_ledgerSidecar.AppId);
        await Gateway.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (_ledgerSidecar is not null)
        {
            await _ledgerSidecar.DisposeAsync();
        }
        await Ledger.DisposeAsync();
    }
}

public sealed class LedgerGateway(string ledgerAppId) : GatewayHost
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ReverseProxy:Clusters:transactions:Metadata:DaprAppId"] = ledgerAppId,
    };
}

/// <summary>
/// Through the gateway only, as a client would: the token travels to the ledger, which validates it again and takes the
/// caller from it; a request without one creates nothing; a valid token without the permission is refused by the
/// service itself (the gateway authenticates, each service authorizes).
/// </summary>
public sealed class RealLedgerBehindTheGateway(GatewayBeforeTheRealLedger stack) : IClassFixture<GatewayBeforeTheRealLedger>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task AnAccountOpenedThroughTheGatewayBelongsToTheTokensSubject()
    {
        var owner = "gw-" + Guid.NewGuid().ToString("N")[..8];
        using var open = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts") { Content = JsonContent.Create(new { currency = "EUR" }) };
        open.Headers.Authorization = stack.Gateway.Tokens.Bearer(owner, Permissions.LedgerWrite, Permissions.LedgerRead);

        using var created = await stack.Gateway.Client.SendAsync(open);

        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        created.Headers.Contains("Deprecation").ShouldBeTrue();
        var account = await created.Content.ReadFromJsonAsync<JsonElement>(Json);
        account.GetProperty("ownerId").GetString().ShouldBe(owner);

        using var read = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/accounts/{account.GetProperty("id").GetGuid()}");
        read.Headers.Authorization = stack.Gateway.Tokens.Bearer(owner, Permissions.LedgerRead);
        using var fetched = await stack.Gateway.Client.SendAsync(read);
        fetched.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WithoutATokenNothingIsCreated()
    {
        var before = await AccountsAsync();
        using var open = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts") { Content = JsonContent.Create(new { currency = "EUR" }) };

        using var refused = await stack.Gateway.Client.SendAsync(open);

        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await AccountsAsync()).ShouldBe(before);
    }

    private async Task<long> AccountsAsync()
    {
        await using var connection = new NpgsqlConnection(stack.Ledger.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM accounts", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task AValidTokenWithoutThePermissionIsRefusedByTheServiceItself()
    {
        var before = await AccountsAsync();
        using var open = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts") { Content = JsonContent.Create(new { currency = "EUR" }) };
        open.Headers.Authorization = stack.Gateway.Tokens.Bearer("read-only", Permissions.LedgerRead);

        using var response = await stack.Gateway.Client.SendAsync(open);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("permission").GetString().ShouldBe(Permissions.LedgerWrite);
        (await AccountsAsync()).ShouldBe(before);
    }
}
