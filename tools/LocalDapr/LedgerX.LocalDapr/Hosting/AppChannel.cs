namespace LedgerX.LocalDapr.Hosting;

/// <summary>
/// The sidecar's connection to its app (daprd's "app channel"): plain HTTP to <c>appChannelAddress:appPort</c>,
/// adding <c>dapr-api-token</c> when <c>APP_API_TOKEN</c> is configured (spec §1).
/// </summary>
public sealed class AppChannel : IDisposable
{
    /// <summary>Bounds a single app call that has no resiliency timeout, so a hung app cannot pin a delivery forever.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly string? _appApiToken;

    public AppChannel(string address, int? appPort, string? appApiToken)
    {
        AppPort = appPort;
        _appApiToken = appApiToken;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 256,
        })
        {
            BaseAddress = appPort is { } port ? new Uri($"http://{address}:{port}/") : null,
            Timeout = DefaultTimeout,
        };
    }

    /// <summary>Null when the sidecar runs without an app (no <c>--app-port</c>): nothing is delivered then.</summary>
    public int? AppPort { get; }

    public bool HasApp => AppPort is not null;

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!HasApp)
        {
            throw new InvalidOperationException("this sidecar has no app port configured");
        }

        request.Headers.Remove("dapr-api-token");
        if (!string.IsNullOrEmpty(_appApiToken))
        {
            request.Headers.TryAddWithoutValidation("dapr-api-token", _appApiToken);
        }

        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _http.Dispose();
}
