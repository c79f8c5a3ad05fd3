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
/// <see cref="AccessDenied"/> marks the callee sidecar's access-control refusal (its body is daprd's error JSON).
/// </summary>
public sealed record InvocationResponse(int Status, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[] Body, Google.Rpc.Status? GrpcStatus = null, bool AccessDenied = false);

/// <summary>
/// Service invocation through the target's sidecar, as daprd's pkg/messaging/direct_messaging.go does it: the caller's
/// sidecar resolves the target, applies the target app's Resiliency policy and forwards; the target's sidecar
/// calls its app with the same verb, path, query, headers and body plus <c>dapr-caller-app-id</c> and
/// <c>dapr-callee-app-id</c>. Same-app calls skip the hop. The callee's sidecar applies its Configuration's
/// <c>accessControl</c> to the caller identity the hop carries (daprd: the caller's SPIFFE id from mTLS).
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
        SidecarHop.IdentityHeader, SidecarHop.DeniedHeader,
    };

    private readonly string _appId;
    private readonly SpiffeId _identity;
    private readonly AccessControlList? _accessControl;
    private readonly string? _registryDirectory;
    private readonly byte[] _hopToken;
    private readonly AppChannel _app;
    private readonly ResiliencyProvider _resiliency;
    private readonly Tracing.SidecarTracer _tracer;
    private readonly Metrics.SidecarMetrics _metrics;
    private readonly HttpClient _sidecars = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 256 }) { Timeout = AppChannel.DefaultTimeout };

    public ServiceInvoker(string appId, SpiffeId identity, AccessControlList? accessControl, string? registryDirectory, AppChannel app, ResiliencyProvider resiliency, Tracing.SidecarTracer tracer, Metrics.SidecarMetrics metrics, string hopToken)
    {
        _identity = identity;
        _accessControl = accessControl;
        _hopToken = System.Text.Encoding.UTF8.GetBytes(hopToken);
        _tracer = tracer;
        _metrics = metrics;
        _appId = appId;
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

            if (Denial(request) is { } denial)
            {
                return denial;
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
        InvocationResponse answer;
        try
        {
            answer = await policy.ExecuteAsync(
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

        if (answer.AccessDenied)
        {
            // daprd's HTTP API answers the callee's PermissionDenied with 403; its gRPC InvokeService wraps it in
            // ErrDirectInvoke (Internal). The message is the one the callee's sidecar wrote.
            string message = System.Text.Json.Nodes.JsonNode.Parse(answer.Body)?["message"]?.GetValue<string>() ?? "";
            throw new DaprApiException(StatusCode.Internal, 403, "ERR_DIRECT_INVOKE", message);
        }

        return answer;
    }

    /// <summary>Whether <paramref name="appId"/>'s app speaks gRPC (its sidecar calls <c>AppCallback</c>), as far as this sidecar can resolve it.</summary>
    public bool TargetSpeaksGrpc(string appId) =>
        appId == _appId
            ? _app.Protocol == AppProtocol.Grpc
            : SidecarDirectory.Resolve(appId, _registryDirectory)?.AppProtocol == AppProtocol.Grpc;

    public void Dispose() => _sidecars.Dispose();

    /// <summary>
    /// The callee side of access control (daprd's callLocalValidateACL): the method path without the query, the verb
    /// when this app speaks HTTP, the caller's identity as its sidecar stated it on the hop.
    /// </summary>
    private InvocationResponse? Denial(InvocationRequest request)
    {
        if (_accessControl is null)
        {
            return null;
        }

        var caller = SpiffeId.Parse(request.Headers.FirstOrDefault(h => h.Key.Equals(SidecarHop.IdentityHeader, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault());
        string operation = request.PathAndQuery.Split('?')[0].TrimStart('/');
        string verb = _app.Protocol == AppProtocol.Grpc ? "NONE" : AccessControlList.VerbOf(request.Method);
        if (_accessControl.DenialOf(caller, operation, verb) is not { } denial)
        {
            return null;
        }

        string message = $"failed to invoke, id: {_appId}, err: rpc error: code = PermissionDenied desc = {denial}";
        byte[] body = System.Text.Encoding.UTF8.GetBytes(HttpErrorMiddleware.Body("ERR_DIRECT_INVOKE", message).ToJsonString());
        return new InvocationResponse(403, [new("Content-Type", ["application/json"]), new(SidecarHop.DeniedHeader, ["true"])], body);
    }

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
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // IOException: the app died while its answer was being read (the body was cut off). daprd answers every
            // app-channel failure as ERR_DIRECT_INVOKE; an escaped exception would break the caller's connection instead.
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
        message.Headers.TryAddWithoutValidation(SidecarHop.IdentityHeader, _identity.ToString());
        // The hop token stands in for the target's DAPR_API_TOKEN (each sidecar has its own); this sidecar's token
        // never leaves it.
        if (target.HopToken is not null)
        {
            message.Headers.TryAddWithoutValidation(SidecarHop.TokenHeader, target.HopToken);
        }

        if (request.ContentType is not null && message.Content is not null)
        {
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        }

        try
        {
            using var response = await _sidecars.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var answer = await ReadAsync(response, cancellationToken);
            return response.Headers.Contains(SidecarHop.DeniedHeader) ? answer with { AccessDenied = true } : answer;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
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

    /// <summary>
    /// The calling sidecar's identity on a hop (<c>spiffe://{trustDomain}/ns/{namespace}/{appId}</c>), trusted because only
    /// a sidecar holds the target's hop token; daprd reads the same from the caller's mTLS certificate.
    /// </summary>
    public const string IdentityHeader = "x-localdapr-caller-identity";

    /// <summary>On a hop's answer: the callee's sidecar refused the call by its access-control policy.</summary>
    public const string DeniedHeader = "x-localdapr-access-denied";

    /// <summary>A fresh secret per sidecar start (256 bits).</summary>
    public static string NewToken() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
