using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using LedgerX.LocalDapr.Hosting;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace LedgerX.LocalDapr.Invocation;

/// <summary>
/// Service invocation of an <c>appProtocol: grpc</c> app through <c>AppCallback/OnInvoke</c>, converting as daprd does:
/// the request's verb and query become <c>http_extension</c>, its headers gRPC metadata (pkg/messaging/v1/util.go
/// <c>InternalMetadataToGrpcMetadata</c>), and the app's gRPC status the HTTP status of
/// <c>HTTPStatusFromCode</c> with the status as JSON body (pkg/api/http/directmessaging.go). The status itself travels
/// on in <see cref="InvocationResponse.GrpcStatus"/> so a gRPC caller gets the app's code and details unchanged.
/// </summary>
internal static class GrpcAppInvocation
{
    /// <summary>Headers daprd passes to a gRPC app with a <c>dapr-</c> prefix (util.go <c>isPermanentHTTPHeader</c>).</summary>
    private static readonly HashSet<string> PermanentHttpHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Charset", "Accept-Language", "Accept-Ranges", "Connection", "Keep-Alive", "Proxy-Connection",
        "Transfer-Encoding", "Upgrade", "Cache-Control", "Content-Type", "Content-Length", "Cookie", "Date", "Expect",
        "From", "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Schedule-Tag-Match", "If-Unmodified-Since",
        "Max-Forwards", "Origin", "Pragma", "Referer", "Via", "Warning",
    };

    /// <summary>Never forwarded: the addressing header (daprd drops <c>dapr-app-id</c>), the sidecar's own tokens, trace headers (replaced).</summary>
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "dapr-app-id", "dapr-api-token", "traceparent", "tracestate", "grpc-trace-bin", "te", "grpc-timeout",
        "grpc-accept-encoding", "grpc-encoding", "user-agent", SidecarHop.Header, SidecarHop.TokenHeader, SidecarHop.IdentityHeader, SidecarHop.GrpcStatusHeader,
    };

    private static readonly JsonFormatter StatusJson = new(JsonFormatter.Settings.Default.WithTypeRegistry(Google.Protobuf.Reflection.TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor)));

    public static async Task<InvocationResponse> InvokeAsync(AppCallbackChannel app, InvocationRequest request, string callerAppId, string calleeAppId, CancellationToken cancellationToken)
    {
        string path = request.PathAndQuery;
        int q = path.IndexOf('?', StringComparison.Ordinal);
        var message = new Autogen.InvokeRequest
        {
            Method = (q < 0 ? path : path[..q]).TrimStart('/'),
            Data = new Any { Value = ByteString.CopyFrom(request.Body) },
            ContentType = request.ContentType ?? "",
            HttpExtension = new Autogen.HTTPExtension
            {
                // An unknown verb is NONE, as daprd's HTTPExtension_Verb_value lookup gives 0.
                Verb = System.Enum.TryParse<Autogen.HTTPExtension.Types.Verb>(request.Method, ignoreCase: true, out var verb) ? verb : Autogen.HTTPExtension.Types.Verb.None,
                Querystring = q < 0 ? "" : path[(q + 1)..],
            },
        };

        var metadata = Metadata(request.Headers);
        // daprd's direct messaging adds both ids to the metadata of every local call, whatever the protocol.
        metadata.Add(ServiceInvoker.CallerHeader, callerAppId);
        metadata.Add(ServiceInvoker.CalleeHeader, calleeAppId);
        try
        {
            var (response, headers) = await app.OnInvokeAsync(message, metadata, cancellationToken);
            var answerHeaders = Headers(headers);
            if (response.ContentType.Length > 0)
            {
                answerHeaders.Add(new("Content-Type", [response.ContentType]));
            }

            return new InvocationResponse(200, answerHeaders, response.Data?.Value.ToByteArray() ?? [], new Google.Rpc.Status { Code = (int)StatusCode.OK });
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var status = ex.GetRpcStatus() ?? new Google.Rpc.Status { Code = (int)ex.StatusCode, Message = ex.Status.Detail };
            var answerHeaders = Headers(ex.Trailers);
            answerHeaders.Add(new("Content-Type", ["application/json"]));
            return new InvocationResponse(HttpStatusFromCode((StatusCode)status.Code), answerHeaders, Encoding.UTF8.GetBytes(ToJson(status)), status);
        }
    }

    /// <summary>The status as protojson, as daprd writes it for an HTTP caller; details of unknown types are left out.</summary>
    public static string ToJson(Google.Rpc.Status status)
    {
        try
        {
            return StatusJson.Format(status);
        }
        catch (InvalidOperationException)
        {
            return StatusJson.Format(new Google.Rpc.Status { Code = status.Code, Message = status.Message });
        }
    }

    /// <summary>pkg/messaging/v1/util.go <c>HTTPStatusFromCode</c>.</summary>
    public static int HttpStatusFromCode(StatusCode code) => code switch
    {
        StatusCode.OK => 200,
        StatusCode.Cancelled => 408,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
        StatusCode.DeadlineExceeded => 504,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists or StatusCode.Aborted => 409,
        StatusCode.PermissionDenied => 403,
        StatusCode.Unauthenticated => 401,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Unimplemented => 501,
        StatusCode.Unavailable => 503,
        _ => 500,
    };

    private static Metadata Metadata(IReadOnlyList<KeyValuePair<string, string[]>> headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (name.StartsWith(':') || Dropped.Contains(name) || name.Equals(ServiceInvoker.CallerHeader, StringComparison.OrdinalIgnoreCase) || name.Equals(ServiceInvoker.CalleeHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string key = (PermanentHttpHeaders.Contains(name) ? "dapr-" + name : name).ToLowerInvariant();
            foreach (string value in values)
            {
                if (key.EndsWith(Grpc.Core.Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
                {
                    // Binary metadata travels base64-encoded in headers; daprd decodes it before calling the app.
                    try
                    {
                        metadata.Add(key, Convert.FromBase64String(value));
                    }
                    catch (FormatException)
                    {
                        // daprd drops a value that does not decode.
                    }
                }
                else
                {
                    metadata.Add(key, value);
                }
            }
        }

        return metadata;
    }

    private static List<KeyValuePair<string, string[]>> Headers(Metadata metadata) =>
        metadata.Where(e => !e.IsBinary && !e.Key.StartsWith(':') && !e.Key.StartsWith("grpc-", StringComparison.Ordinal) && e.Key is not ("content-type" or "date" or "server"))
            .GroupBy(e => e.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new KeyValuePair<string, string[]>(g.Key, [.. g.Select(e => e.Value)]))
            .ToList();
}
