using System.Globalization;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>Where the gateway's own Dapr sidecar listens, found as the Dapr SDK finds it: <c>DAPR_HTTP_ENDPOINT</c>, else
/// <c>http://127.0.0.1:{DAPR_HTTP_PORT}</c>, else port 3500. Every upstream call goes there, never to a service directly.</summary>
public sealed record SidecarEndpoint(Uri Address, string? ApiToken)
{
    public const string AppIdHeader = "dapr-app-id";
    public const string ApiTokenHeader = "dapr-api-token";

    public static SidecarEndpoint From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoint = configuration["DAPR_HTTP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            var port = configuration["DAPR_HTTP_PORT"];
            endpoint = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{(string.IsNullOrWhiteSpace(port) ? "3500" : port)}");
        }
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"The Dapr sidecar endpoint '{endpoint}' is not an absolute http(s) URI.");
        }
        var token = configuration["DAPR_API_TOKEN"];
        return new SidecarEndpoint(address, string.IsNullOrEmpty(token) ? null : token);
    }
}
