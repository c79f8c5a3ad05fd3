using System.Net.Http.Headers;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>Component metadata of <c>bindings.http</c> (components-contrib bindings/http/http.go <c>httpMetadata</c>).</summary>
public sealed record HttpBindingSettings(
    string Url,
    TimeSpan? ResponseTimeout,
    long MaxResponseBodySizeBytes,
    bool ErrorIfNot2Xx,
    string SecurityToken,
    string SecurityTokenHeader)
{
    /// <summary>contrib's default: 100 MB. A value &lt;= 0 means no limit.</summary>
    public const long DefaultMaxResponseBodySizeBytes = 100L << 20;
}

/// <summary>
/// <c>bindings.http</c> as components-contrib bindings/http invokes an endpoint: operations create (= POST), get, head,
/// post, put, patch, delete, options, trace; request metadata <c>path</c> is appended to <c>url</c>; every request
/// metadata key that starts with a capital letter becomes a request header (so <c>Idempotency-Key</c> does, while
/// <c>path</c> and <c>errorIfNot2XX</c> do not); <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c> are passed on.
/// The response carries <c>statusCode</c>, <c>status</c> and every response header as metadata; a non-2xx answer is an
/// error unless <c>errorIfNot2XX</c> (component or request) is false, and that error still carries the response.
/// </summary>
public sealed class HttpBinding : OutputBinding, IDisposable
{
    /// <summary>Request-header defaults contrib sets unless the request metadata names them.</summary>
    private const string JsonUtf8 = "application/json; charset=utf-8";

    private readonly HttpBindingSettings _settings;
    private readonly HttpClient _client;

    public HttpBinding(HttpBindingSettings settings)
    {
        _settings = settings;
        // contrib: a 15 s dial and TLS handshake timeout and no client timeout (the responseTimeout is per request);
        // Go's transport asks for gzip and decompresses transparently.
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(15),
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            MaxAutomaticRedirections = 10,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public override IReadOnlyList<string> Operations { get; } = ["create", "get", "head", "post", "put", "patch", "delete", "options", "trace"];

    public override async Task<BindingResponse?> InvokeAsync(string operation, byte[] data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        string url = _settings.Url;
        if (metadata.GetValueOrDefault("path") is { Length: > 0 } path)
        {
            url = url.TrimEnd('/') + "/" + path.TrimStart('/');
        }

        bool errorIfNot2Xx = metadata.GetValueOrDefault("errorIfNot2XX") is { Length: > 0 } flag ? GoText.IsTruthy(flag) : _settings.ErrorIfNot2Xx;
        string method = operation.ToUpperInvariant() is "CREATE" ? "POST" : operation.ToUpperInvariant();
        // Go's url.Error names the method like "Post".
        string op = method[..1] + method[1..].ToLowerInvariant();
        bool hasBody = method is "PUT" or "POST" or "PATCH";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new BindingException($"{op} \"{url}\": unsupported protocol scheme \"{(uri?.Scheme ?? "")}\"");
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), uri);
        if (hasBody)
        {
            request.Content = new ByteArrayContent(data);
            if (!metadata.ContainsKey("Content-Type"))
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", JsonUtf8);
            }
        }

        if (!metadata.ContainsKey("Accept"))
        {
            request.Headers.TryAddWithoutValidation("Accept", JsonUtf8);
        }

        if (_settings.SecurityToken.Length > 0 && _settings.SecurityTokenHeader.Length > 0)
        {
            SetHeader(request, _settings.SecurityTokenHeader, _settings.SecurityToken);
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length > 0 && key[0] is >= 'A' and <= 'Z')
            {
                SetHeader(request, key, value);
            }
        }

        foreach (string traceKey in (string[])["traceparent", "tracestate", "baggage"])
        {
            if (metadata.GetValueOrDefault(traceKey) is { Length: > 0 } traceValue)
            {
                SetHeader(request, traceKey, traceValue);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_settings.ResponseTimeout is { } responseTimeout)
        {
            timeout.CancelAfter(responseTimeout);
        }

        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            byte[] body = await ReadLimitedAsync(response.Content, _settings.MaxResponseBodySizeBytes, timeout.Token);
            var result = new BindingResponse(body, ResponseMetadata(response));
            int status = (int)response.StatusCode;
            return errorIfNot2Xx && status / 100 != 2
                ? throw new BindingException($"received status code {status}", result)
                : result;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BindingException($"{op} \"{url}\": context deadline exceeded");
        }
        catch (HttpRequestException ex)
        {
            throw new BindingException($"{op} \"{url}\": {ex.InnerException?.Message ?? ex.Message}", ex);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Go's <c>Header.Set</c>: replaces any value. Content headers go on the body; Go ignores a Host header.</summary>
    private static void SetHeader(HttpRequestMessage request, string key, string value)
    {
        string name = GoText.CanonicalHeaderKey(key);
        if (name == "Host")
        {
            return;
        }

        request.Headers.Remove(name);
        if (request.Headers.TryAddWithoutValidation(name, value))
        {
            return;
        }

        // A content header (Content-Type, Content-Language...): only meaningful with a body.
        if (request.Content is { } content)
        {
            content.Headers.Remove(name);
            if (content.Headers.TryAddWithoutValidation(name, value))
            {
                return;
            }
        }
        else if (IsContentHeader(name))
        {
            return;
        }

        throw new BindingException($"net/http: invalid header field name \"{key}\"");
    }

    private static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.Ordinal) || name is "Expires" or "Last-Modified" or "Allow";

    private static Dictionary<string, string> ResponseMetadata(HttpResponseMessage response)
    {
        int status = (int)response.StatusCode;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["statusCode"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["status"] = $"{status} {response.ReasonPhrase}".TrimEnd(),
        };
        IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers = response.Headers;
        foreach (var (key, values) in headers.Concat(response.Content.Headers))
        {
            // Go maps a repeated header to one value joined by ", ".
            metadata[GoText.CanonicalHeaderKey(key)] = string.Join(", ", values);
        }

        return metadata;
    }

    /// <summary>contrib reads through an io.LimitReader: a longer body is cut at the limit, not refused.</summary>
    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        while (limit <= 0 || buffer.Length < limit)
        {
            int want = limit <= 0 ? chunk.Length : (int)Math.Min(chunk.Length, limit - buffer.Length);
            int read = await stream.ReadAsync(chunk.AsMemory(0, want), cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>Reads <see cref="HttpBindingSettings"/> from component metadata.</summary>
internal static class HttpBindingMetadata
{
    private static readonly string[] MtlsKeys = ["mtlsRootCA", "mtlsClientCert", "mtlsClientKey", "mtlsRenegotiation"];

    public static HttpBindingSettings From(IReadOnlyDictionary<string, string> meta)
    {
        if (MtlsKeys.FirstOrDefault(k => meta.GetValueOrDefault(k) is { Length: > 0 }) is { } mtls)
        {
            throw new BindingException($"{mtls}: mTLS to the endpoint is not supported by the local sidecar");
        }

        TimeSpan? responseTimeout = null;
        if (meta.GetValueOrDefault("responseTimeout") is { Length: > 0 } timeoutText)
        {
            responseTimeout = Resources.GoDuration.TryParseOrMilliseconds(timeoutText, out var t)
                ? t
                : throw new BindingException($"responseTimeout: '{timeoutText}' is not a duration");
        }

        long maxBody = HttpBindingSettings.DefaultMaxResponseBodySizeBytes;
        if (meta.GetValueOrDefault("maxResponseBodySize") is { Length: > 0 } sizeText && !GoText.TryParseByteSize(sizeText, out maxBody))
        {
            throw new BindingException($"invalid value for maxResponseBodySize: '{sizeText}'");
        }

        return new HttpBindingSettings(
            meta.GetValueOrDefault("url") ?? "",
            responseTimeout,
            maxBody,
            meta.GetValueOrDefault("errorIfNot2XX") is { Length: > 0 } e ? GoText.IsTruthy(e) : true,
            meta.GetValueOrDefault("securityToken") ?? "",
            meta.GetValueOrDefault("securityTokenHeader") ?? "");
    }
}
