using System.Diagnostics;
using System.Net.Http.Headers;
using Grpc.Core;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resiliency;

namespace LedgerX.LocalDapr.Invocation;

/// <summary>An invocation as received on <c>/v1.0/invoke/{app}/method/{path}</c>, body already buffered (bounded).</summary>
public sealed record InvocationRequest(string TargetAppId, string Method, string PathAndQuery, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[] Body, string? ContentType);

/// <summary>
/// The app's answer, buffered so a retry policy can replace it. <see cref="GrpcStatus"/> is set when a gRPC app
/// answered (OK included): <see cref="Status"/> is then its HTTP mapping, and a gRPC caller gets the status itself.
/// </summary>
public sealed record InvocationResponse(int Status, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[] Body, Google.Rpc.Status? GrpcStatus = null);

/// <summary>
/// Service invocation through the target's sidecar, as daprd's pkg/messaging/direct_messaging.go does it: the caller's
/// sidecar resolves the target, applies the target app's Resiliency policy and forwards; the target's sidecar
/// calls its app with the same verb, path, query, headers and body plus <c>dapr-caller-app-id</c> and
/// <c>dapr-callee-app-id</c>. Same-app calls skip the hop.
/// </summary>
public sealed class ServiceInvoker : IDisposable
{
    public const string CallerHeader = "dapr-caller-app-id";
    public const string CalleeHeader = "dapr-callee-app-id";
    public const int MaxResponseBytes = 16 << 20;

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "connection", "keep-alive", "transfer-encoding", "upgrade", "host", "te", "trailer", "proxy-connection",
        "content-length", "dapr-api-token", "expect", SidecarHop.Header, SidecarHop.TokenHeader, SidecarHop.GrpcStatusHeader,
    };

    private readonly string _appId;
    private readonly string? _apiToken;
    private readonly string? _registryDirectory;
    private readonly byte[] _hopToken;
    private readonly AppChannel _app;
    private readonly ResiliencyProvider _resiliency;
    private readonly Tracing.SidecarTracer _tracer;
    private readonly Metrics.SidecarMetrics _metrics;
    private readonly HttpClient _sidecars = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 256 }) { Timeout = AppChannel.DefaultTimeout };

    public ServiceInvoker(string appId, string? apiToken, string? registryDirectory, AppChannel app, ResiliencyProvider resiliency, Tracing.SidecarTracer tracer, Metrics.SidecarMetrics metrics, string hopToken)
    {
        _hopToken = System.Text.Encoding.UTF8.GetBytes(hopToken);
        _tracer = tracer;
        _metrics = metrics;
        _appId = appId;
        _apiToken = apiToken;
        _registryDirectory = registryDirectory;
        _app = app;
        _resiliency = resiliency;
    }

    /// <summary>
    /// Entry point of the public API: a call from this sidecar's app, or a forwarded hop when <paramref name="forwardedBy"/>
    /// is set. A hop must present this sidecar's hop token: otherwise anyone who can reach the port (the app itself)
    /// could claim any <c>dapr-caller-app-id</c> and skip the caller-side resiliency policy.
    /// </summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, string? forwardedBy, string? hopToken, CancellationToken cancellationToken)
    {
        if (forwardedBy is not null)
        {
            if (hopToken is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(hopToken), _hopToken))
            {
                throw new DaprApiException(StatusCode.PermissionDenied, 403, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {request.TargetAppId}, err: {SidecarHop.Header} is reserved for sidecar-to-sidecar hops");
            }

            // Second hop: the caller's sidecar already applied the resiliency policy.
            return await CallLocalAppAsync(request, forwardedBy, cancellationToken);
        }

        SidecarAddress? target = request.TargetAppId == _appId ? null : SidecarDirectory.Resolve(request.TargetAppId, _registryDirectory);
        if (request.TargetAppId != _appId && target is null)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {request.TargetAppId}, err: couldn't find service: {request.TargetAppId}");
        }

        var policy = _resiliency.ForApp(request.TargetAppId);
        InvocationResponse? lastFailed = null;
        try
        {
            return await policy.ExecuteAsync(
                async ct =>
                {
                    _metrics.InvocationSent(request.TargetAppId);
                    var response = target is null
                        ? await CallLocalAppAsync(request, _appId, ct)
                        : await ForwardAsync(target, request, ct);
                    _metrics.InvocationResponse(request.TargetAppId, response.Status);
                    if (response.Status >= 500)
                    {
                        // 5xx counts as a failed attempt for retries and circuit breakers, as in daprd.
                        lastFailed = response;
                        throw new Resiliency.AttemptFailedException($"app returned {response.Status}", response.Status);
                    }

                    return response;
                },
                cancellationToken);
        }
        catch (Resiliency.AttemptFailedException) when (lastFailed is not null)
        {
            return lastFailed;
        }
        catch (CircuitOpenException ex)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {request.TargetAppId}, err: {ex.Message}");
        }
        catch (Exception ex) when (ex is Resiliency.AttemptFailedException or HttpRequestException)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {request.TargetAppId}, err: {ex.Message}");
        }
    }

    /// <summary>Whether <paramref name="appId"/>'s app speaks gRPC (its sidecar calls <c>AppCallback</c>), as far as this sidecar can resolve it.</summary>
    public bool TargetSpeaksGrpc(string appId) =>
        appId == _appId
            ? _app.Protocol == AppProtocol.Grpc
            : SidecarDirectory.Resolve(appId, _registryDirectory)?.AppProtocol == AppProtocol.Grpc;

    public void Dispose() => _sidecars.Dispose();

    private static HttpRequestMessage Build(string method, string uri, InvocationRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(method), uri);
        if (request.Body.Length > 0 || request.ContentType is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name) || name.Equals(CallerHeader, StringComparison.OrdinalIgnoreCase) || name.Equals(CalleeHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, values) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        // A gRPC caller (InvokeService) gives the content type in the message, not as a header.
        if (request.ContentType is not null && message.Content is not null && message.Content.Headers.ContentType is null)
        {
            message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }

        // The sidecar's current span becomes the parent of the next hop (daprd replaces traceparent the same way).
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            message.Headers.Remove("traceparent");
            message.Headers.TryAddWithoutValidation("traceparent", activity.Id);
        }

        return message;
    }

    private static async Task<InvocationResponse> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // A gRPC app's status, carried across the hop by the target sidecar (see SidecarHop.GrpcStatusHeader).
        Google.Rpc.Status? grpcStatus = response.Headers.TryGetValues(SidecarHop.GrpcStatusHeader, out var encoded)
            ? Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(encoded.First()))
            : null;
        byte[] body;
        try
        {
            body = await BoundedContent.ReadAsync(response.Content, MaxResponseBytes, "response", cancellationToken);
        }
        catch (BoundedContent.TooLargeException ex)
        {
            throw new Resiliency.AttemptFailedException(ex.Message);
        }
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => !HopByHop.Contains(h.Key))
            .Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.ToArray()))
            .ToList();
        return new InvocationResponse((int)response.StatusCode, headers, body, grpcStatus);
    }

    private async Task<InvocationResponse> CallLocalAppAsync(InvocationRequest request, string callerAppId, CancellationToken cancellationToken)
    {
        if (!_app.HasApp)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {_appId}, err: app channel not initialized");
        }

        using var span = _tracer.Start($"CallLocal/{_appId}{request.PathAndQuery.Split('?')[0]}", ActivityKind.Client, null, [new("dapr.caller", callerAppId)]);
        if (_app.Grpc is { } grpc)
        {
            return await GrpcAppInvocation.InvokeAsync(grpc, request, callerAppId, _appId, cancellationToken);
        }

        using var message = Build(request.Method, request.PathAndQuery.TrimStart('/'), request);
        message.Headers.TryAddWithoutValidation(CallerHeader, callerAppId);
        message.Headers.TryAddWithoutValidation(CalleeHeader, _appId);
        try
        {
            using var response = await _app.SendAsync(message, cancellationToken);
            return await ReadAsync(response, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new Resiliency.AttemptFailedException($"error invoking app {_appId}: {ex.Message}", null, ex);
        }
    }

    private async Task<InvocationResponse> ForwardAsync(SidecarAddress target, InvocationRequest request, CancellationToken cancellationToken)
    {
        string uri = $"http://{target.Host}:{target.HttpPort}/v1.0/invoke/{Uri.EscapeDataString(target.AppId)}/method/{request.PathAndQuery.TrimStart('/')}";
        using var span = _tracer.Start($"CallRemote/{target.AppId}{request.PathAndQuery.Split('?')[0]}", ActivityKind.Client, null);
        using var message = Build(request.Method, uri, request);
        message.Headers.TryAddWithoutValidation(CallerHeader, _appId);
        message.Headers.TryAddWithoutValidation(SidecarHop.Header, _appId);
        if (target.HopToken is not null)
        {
            message.Headers.TryAddWithoutValidation(SidecarHop.TokenHeader, target.HopToken);
        }
        if (!string.IsNullOrEmpty(_apiToken))
        {
            message.Headers.TryAddWithoutValidation("dapr-api-token", _apiToken);
        }

        if (request.ContentType is not null && message.Content is not null)
        {
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        }

        try
        {
            using var response = await _sidecars.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return await ReadAsync(response, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new Resiliency.AttemptFailedException($"error forwarding to the sidecar of {target.AppId}: {ex.Message}", null, ex);
        }
    }
}

/// <summary>Marks a request as the second hop (caller sidecar → target sidecar) of an invocation.</summary>
public static class SidecarHop
{
    public const string Header = "x-localdapr-forwarded-by";

    /// <summary>Carries the target sidecar's <see cref="SidecarAddress.HopToken"/>; without it the hop header is refused.</summary>
    public const string TokenHeader = "x-localdapr-hop-token";

    /// <summary>
    /// On the answer of a hop whose target app speaks gRPC: the app's <c>google.rpc.Status</c> (protobuf, base64), so
    /// the caller's sidecar can give a gRPC caller the app's own code and details, as daprd's internal gRPC hop does.
    /// </summary>
    public const string GrpcStatusHeader = "x-localdapr-grpc-status";

    /// <summary>A fresh secret per sidecar start (256 bits).</summary>
    public static string NewToken() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
