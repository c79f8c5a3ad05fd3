namespace LedgerX.LocalDapr.Hosting;

/// <summary>How the app listens (<c>--app-protocol</c>, <c>appProtocol</c> in dapr.yaml).</summary>
public enum AppProtocol
{
    /// <summary>HTTP/1.1: the sidecar calls the app's routes (<c>/dapr/subscribe</c>, topic routes, methods).</summary>
    Http,

    /// <summary>gRPC over h2c: the sidecar calls the app's <c>AppCallback</c> service.</summary>
    Grpc,
}

/// <summary>
/// The sidecar's connection to its app (daprd's "app channel", pkg/channel/http and pkg/channel/grpc): plain HTTP to
/// <c>appChannelAddress:appPort</c>, or the app's <c>AppCallback</c> gRPC service (<see cref="Grpc"/>) for
/// <see cref="AppProtocol.Grpc"/> apps; either way <c>dapr-api-token</c> carries <c>APP_API_TOKEN</c> when configured,
/// as daprd sends it.
/// </summary>
public sealed class AppChannel : IDisposable
{
    /// <summary>Bounds a single app call that has no resiliency timeout, so a hung app cannot pin a delivery forever.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly string? _appApiToken;

    public AppChannel(string address, int? appPort, string? appApiToken, AppProtocol protocol = AppProtocol.Http, long maxMessageBytes = 4L << 20)
    {
        AppPort = appPort;
        Protocol = protocol;
        if (protocol == AppProtocol.Grpc && appPort is { } grpcPort)
        {
            Grpc = new AppCallbackChannel(address, grpcPort, appApiToken, maxMessageBytes);
        }

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

    public AppProtocol Protocol { get; }

    /// <summary>The <c>AppCallback</c> client when the app speaks gRPC (and has a port); null for HTTP apps.</summary>
    public AppCallbackChannel? Grpc { get; }

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

    public void Dispose()
    {
        _http.Dispose();
        Grpc?.Dispose();
    }
}
