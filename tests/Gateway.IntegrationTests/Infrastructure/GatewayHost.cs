using System.Net.Http.Json;
using LedgerX.LocalDapr.Hosting;

namespace LedgerX.Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// The real gateway on Kestrel with its own local Dapr sidecar, and a fake of each service it routes to
/// (<see cref="FakeUpstream"/>), each behind its own sidecar: a request goes client → gateway → gateway's sidecar →
/// service's sidecar → service, as in production. The route table is the real one (appsettings.json); only the clusters'
/// app ids are pointed at the fakes. Tokens are <see cref="TestTokens.Shared"/>'s. A subclass adds settings (small rate
/// limits, a touchy breaker) for the tests that need them.
/// </summary>
public class GatewayHost() : AppOnKestrel<Program>("Gateway", SidecarPorts.Free(), existingDatabase: "")
{
    /// <summary>The one browser origin the gateway's CORS policy names.</summary>
    public const string AllowedOrigin = "https://app.ledgerx.test";

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private LocalDaprSidecar? _sidecar;

    public FakeUpstream Transactions { get; private set; } = null!;
    public FakeUpstream Fraud { get; private set; } = null!;
    public FakeUpstream Analytics { get; private set; } = null!;
    public FakeUpstream Auth { get; private set; } = null!;
    public FakeUpstream Notifications { get; private set; } = null!;

    public FakeUpstream Nlp { get; private set; } = null!;

    public IEnumerable<FakeUpstream> Upstreams => [Transactions, Fraud, Analytics, Auth, Notifications, Nlp];

    /// <summary>Requests that reached any service (OpenAPI fetches aside).</summary>
    public int UpstreamHits => Upstreams.Sum(u => u.ApiRequests.Count);

    /// <summary>The gateway's settings for every test: the fakes' app ids, and budgets large enough not to get in the way
    /// of tests that are not about rate limits.</summary>
    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        ["ReverseProxy:Clusters:transactions:Metadata:DaprAppId"] = Transactions.AppId,
        ["ReverseProxy:Clusters:fraud:Metadata:DaprAppId"] = Fraud.AppId,
        ["ReverseProxy:Clusters:analytics:Metadata:DaprAppId"] = Analytics.AppId,
        ["ReverseProxy:Clusters:auth:Metadata:DaprAppId"] = Auth.AppId,
        ["ReverseProxy:Clusters:notifications:Metadata:DaprAppId"] = Notifications.AppId,
        ["ReverseProxy:Clusters:nlp:Metadata:DaprAppId"] = Nlp.AppId,
        ["Gateway:RateLimits:Reads:TokenLimit"] = "10000",
        ["Gateway:RateLimits:Writes:TokenLimit"] = "10000",
        ["Gateway:RateLimits:SignIn:TokenLimit"] = "10000",
        ["Gateway:RateLimits:Nlp:TokenLimit"] = "10000",
        ["Gateway:Cors:AllowedOrigins:0"] = AllowedOrigin,
        // Many sidecars start at once in a test run; a cold one may take seconds to hand over its first document.
        ["Gateway:OpenApi:FetchTimeoutMs"] = "20000",
    };

    public override async ValueTask InitializeAsync()
    {
        Transactions = await FakeUpstream.StartAsync("transaction-service", _suffix, "accounts");
        Fraud = await FakeUpstream.StartAsync("fraud-service", _suffix, "alerts");
        Analytics = await FakeUpstream.StartAsync("analytics-service", _suffix, "ledger/volumes/daily");
        Auth = await FakeUpstream.StartAsync("auth-service", _suffix, "users/me");
        Notifications = await FakeUpstream.StartAsync("notification-service", _suffix, "notifications/preferences");
        Nlp = await FakeUpstream.StartAsync("nlp-service", _suffix, "questions");
        _sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "gateway-" + _suffix,
            HttpPort = Sidecar.Http,
            GrpcPort = Sidecar.Grpc,
            WaitForApp = false,
        });
        await base.InitializeAsync();
    }

    /// <summary>A request with a bearer token for <paramref name="subject"/> (all permissions).</summary>
    public HttpRequestMessage Authorized(HttpMethod method, string path, string subject = "alice")
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = Tokens.Bearer(subject);
        if (method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Options && method != HttpMethod.Delete)
        {
            request.Content = JsonContent.Create(new { });
        }
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string subject = "alice") =>
        Client.SendAsync(Authorized(method, path, subject));

    /// <summary>The gateway's own sidecar goes away (its port closes), as when daprd restarts beside the gateway.</summary>
    public async Task StopSidecarAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
            _sidecar = null;
        }
    }

    /// <summary>In the gateway's sidecar's place, something that reads each request and hangs up without an answer, as
    /// a sidecar that crashes mid-call: the request may have been processed, and the gateway cannot know.</summary>
    public async Task<IAsyncDisposable> BreakSidecarAsync()
    {
        await StopSidecarAsync();
        return HangingUpListener.Start(Sidecar.Http);
    }

    public void ClearUpstreams()
    {
        foreach (var upstream in Upstreams)
        {
            upstream.Clear();
            upstream.Behaviour = UpstreamBehaviour.Answer;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        foreach (var upstream in new[] { Transactions, Fraud, Analytics, Auth, Notifications }.OfType<FakeUpstream>())
        {
            await upstream.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
