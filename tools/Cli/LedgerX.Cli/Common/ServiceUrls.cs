namespace LedgerX.Cli.Common;

/// <summary>Where the transaction service's HTTP API is (through the gateway unless told otherwise). Every URL the CLI takes is a base URL; API paths are appended.</summary>
internal static class ServiceUrls
{
    public const string TransactionsUrlVariable = "LEDGERX_TRANSACTIONS_URL";
    public const string DaprHttpPortVariable = "DAPR_HTTP_PORT";
    public const string AppId = "transaction-service";

    /// <summary>Where `./ledgerx up` serves the API: the gateway (the ledger's own port answers only its sidecar).</summary>
    public const string Fallback = "http://127.0.0.1:8080";

    /// <summary>An explicit URL wins; then LEDGERX_TRANSACTIONS_URL; then, inside a Dapr app (DAPR_HTTP_PORT set),
    /// service invocation through the sidecar, so the call takes the same path as other services' calls; else the
    /// local default.</summary>
    public static Uri Resolve(string? explicitUrl, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(explicitUrl))
        {
            return Parse(explicitUrl, "--url");
        }
        if (environment(TransactionsUrlVariable) is { Length: > 0 } configured)
        {
            return Parse(configured, TransactionsUrlVariable);
        }
        if (environment(DaprHttpPortVariable) is { Length: > 0 } daprPort)
        {
            if (!int.TryParse(daprPort, out var port) || port is < 1 or > 65535)
            {
                throw new ArgumentException($"{DaprHttpPortVariable}='{daprPort}' is not a TCP port.");
            }
            return new Uri($"http://127.0.0.1:{port}/v1.0/invoke/{AppId}/method/");
        }
        return new Uri(Fallback + "/");
    }

    /// <summary>Combines a base URL and an API path ("api/v1/..."), keeping any path prefix of the base (Dapr's
    /// /v1.0/invoke/.../method/).</summary>
    public static Uri Api(Uri baseUrl, string relativePath) => new(baseUrl, relativePath.TrimStart('/'));

    private static Uri Parse(string value, string source)
    {
        var text = value.EndsWith('/') ? value : value + "/";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{source}: '{value}' is not an http(s) URL.");
        }
        return uri;
    }
}
