using System.Net;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using LedgerX.LocalDapr.Hosting;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace LedgerX.LocalDapr.Invocation;

/// <summary>
/// daprd's gRPC proxy (pkg/api/grpc/proxy, pkg/messaging/grpc_proxy.go): a call on the sidecar's gRPC port to a service
/// the sidecar does not serve is forwarded, streams included, to the app named by <c>dapr-callee-app-id</c> (else
/// <c>dapr-app-id</c>) metadata: to this sidecar's own app's port when it is this app, else to the target's sidecar,
/// which forwards it to its app. The app gets <c>dapr-caller-app-id</c>/<c>dapr-callee-app-id</c>, and
/// <c>dapr-api-token</c> only as APP_API_TOKEN. YARP's forwarder carries the HTTP/2 frames and trailers unchanged.
/// Before a call reaches this sidecar's app, the Configuration's <c>accessControl</c> is applied to the full method name
/// (<c>/package.Service/Method</c>) as for a gRPC app, as daprd's proxy does; a call from this sidecar's own app carries
/// no identity (daprd sees no mTLS certificate on it), so the global <c>defaultAction</c> decides it.
/// </summary>
internal sealed class GrpcProxyMiddleware
{
    private const string AppIdHeader = "dapr-app-id";

    /// <summary>Set only by sidecars; whatever a caller sent under these names is dropped before forwarding.</summary>
    private static readonly string[] SidecarHeaders =
        ["dapr-api-token", SidecarHop.Header, SidecarHop.TokenHeader, SidecarHop.IdentityHeader, ServiceInvoker.CallerHeader, ServiceInvoker.CalleeHeader];
    private static readonly ForwarderRequestConfig H2c = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        // Streams may stay quiet for long; the client's own deadline bounds a call.
        ActivityTimeout = TimeSpan.FromMinutes(10),
    };

    private readonly RequestDelegate _next;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly Func<int?> _grpcPort;
    private readonly IReadOnlySet<string> _servedServices;
    private readonly SidecarOptions _options;
    private readonly byte[] _hopToken;
    private readonly Identity _identity;

    public GrpcProxyMiddleware(RequestDelegate next, IHttpForwarder forwarder, HttpMessageInvoker client, Func<int?> grpcPort, IReadOnlySet<string> servedServices, SidecarOptions options, Identity identity)
    {
        _identity = identity;
        _next = next;
        _forwarder = forwarder;
        _client = client;
        _grpcPort = grpcPort;
        _servedServices = servedServices;
        _options = options;
        _hopToken = Encoding.UTF8.GetBytes(identity.HopToken);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Connection.LocalPort != _grpcPort() || !IsGrpc(context.Request) || _servedServices.Contains(ServiceOf(context.Request.Path)))
        {
            await _next(context);
            return;
        }

        var headers = context.Request.Headers;
        string? target = headers["dapr-callee-app-id"].FirstOrDefault() ?? headers[AppIdHeader].FirstOrDefault();
        if (string.IsNullOrEmpty(target))
        {
            await FailAsync(context, StatusCode.Unknown, $"failed to proxy request: required metadata dapr-callee-app-id or {AppIdHeader} not found");
            return;
        }

        string? forwardedBy = headers[SidecarHop.Header].FirstOrDefault();
        if (forwardedBy is not null && !ValidHop(headers[SidecarHop.TokenHeader].FirstOrDefault()))
        {
            await FailAsync(context, StatusCode.PermissionDenied, $"failed to proxy request: {SidecarHop.Header} is reserved for sidecar-to-sidecar hops");
            return;
        }

        if (target == _options.AppId)
        {
            if (_options.AppPort is not { } appPort)
            {
                await FailAsync(context, StatusCode.Unavailable, $"failed to proxy request: app channel of {target} not initialized");
                return;
            }

            var callerIdentity = forwardedBy is null ? null : SpiffeId.Parse(headers[SidecarHop.IdentityHeader].FirstOrDefault());
            if (_identity.AccessControl?.DenialOf(callerIdentity, context.Request.Path.Value ?? "", "NONE", grpcProxy: true) is { } denial)
            {
                await FailAsync(context, StatusCode.PermissionDenied, denial);
                return;
            }

            // A hop keeps the caller's id as its sidecar set it; a call from this app is from this app.
            string caller = forwardedBy is null ? _options.AppId : headers[ServiceInvoker.CallerHeader].FirstOrDefault() ?? forwardedBy;
            await ForwardAsync(context, $"http://{_options.AppChannelAddress}:{appPort}", new ToApp(caller, target, _options.AppApiToken));
            return;
        }

        if (forwardedBy is not null)
        {
            // A hop always names this sidecar's app; anything else would make sidecars relay for each other.
            await FailAsync(context, StatusCode.InvalidArgument, $"failed to proxy request: hop for {target} reached the sidecar of {_options.AppId}");
            return;
        }

        if (SidecarDirectory.Resolve(target, _options.RegistryDirectory) is not { } address)
        {
            await FailAsync(context, StatusCode.Unavailable, $"failed to proxy request: couldn't find service: {target}");
            return;
        }

        await ForwardAsync(context, $"http://{address.Host}:{address.GrpcPort}", new ToSidecar(_options.AppId, _identity.Self.ToString(), target, address.HopToken));
    }

    /// <summary>This sidecar's hop token, its identity on hops, and the access-control policy for calls into its app.</summary>
    public sealed record Identity(string HopToken, SpiffeId Self, AccessControlList? AccessControl);

    private static bool IsGrpc(HttpRequest request) =>
        request.Protocol == "HTTP/2" && request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary><c>/pkg.Service/Method</c> → <c>pkg.Service</c>.</summary>
    private static string ServiceOf(PathString path)
    {
        string value = path.Value?.TrimStart('/') ?? "";
        int slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? value : value[..slash];
    }

    /// <summary>A trailers-only gRPC answer, as grpc-go's server sends a handler's error before any message.</summary>
    private static Task FailAsync(HttpContext context, StatusCode code, string message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        return Task.CompletedTask;
    }

    private bool ValidHop(string? token) =>
        token is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), _hopToken);

    private async Task ForwardAsync(HttpContext context, string destination, HttpTransformer transformer)
    {
        var error = await _forwarder.SendAsync(context, destination, _client, H2c, transformer);
        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            // grpc-go reports a target it cannot reach as Unavailable.
            context.Response.Clear();
            await FailAsync(context, StatusCode.Unavailable, $"failed to proxy request: {error}: {context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message}");
        }
    }

    /// <summary>Last hop: the app sees who called, and the app token instead of the caller's Dapr API token.</summary>
    private sealed class ToApp(string caller, string callee, string? appApiToken) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            foreach (string name in SidecarHeaders)
            {
                proxyRequest.Headers.Remove(name);
            }

            proxyRequest.Headers.TryAddWithoutValidation(ServiceInvoker.CallerHeader, caller);
            proxyRequest.Headers.TryAddWithoutValidation(ServiceInvoker.CalleeHeader, callee);
            if (!string.IsNullOrEmpty(appApiToken))
            {
                proxyRequest.Headers.TryAddWithoutValidation("dapr-api-token", appApiToken);
            }
        }
    }

    /// <summary>
    /// First hop: to the target's sidecar, as the caller's sidecar, with the target's hop token (in place of the target's
    /// DAPR_API_TOKEN, which this sidecar does not know) and this sidecar's identity.
    /// </summary>
    private sealed class ToSidecar(string caller, string callerIdentity, string callee, string? hopToken) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            foreach (string name in SidecarHeaders)
            {
                proxyRequest.Headers.Remove(name);
            }

            proxyRequest.Headers.TryAddWithoutValidation(ServiceInvoker.CallerHeader, caller);
            proxyRequest.Headers.TryAddWithoutValidation(ServiceInvoker.CalleeHeader, callee);
            proxyRequest.Headers.TryAddWithoutValidation(SidecarHop.Header, caller);
            proxyRequest.Headers.TryAddWithoutValidation(SidecarHop.IdentityHeader, callerIdentity);
            if (hopToken is not null)
            {
                proxyRequest.Headers.TryAddWithoutValidation(SidecarHop.TokenHeader, hopToken);
            }
        }
    }
}
