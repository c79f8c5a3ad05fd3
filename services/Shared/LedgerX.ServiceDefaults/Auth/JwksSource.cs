using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace LedgerX.ServiceDefaults.Auth;

/// <summary>Where the JSON Web Key Set comes from. In every service it is auth-service through the Dapr sidecar
/// (<see cref="SidecarJwksSource"/>); a test host may put its own issuer here.</summary>
public interface IJwksSource
{
    /// <summary>The JWKS document. Throws when it cannot be had now; the caller keeps its last good keys.</summary>
    Task<string> FetchAsync(CancellationToken cancellationToken);
}

/// <summary>
/// GET <c>{sidecar}/v1.0/invoke/{Auth:AppId}/method/.well-known/jwks</c>: services reach each other only through
/// their sidecars, which also brings mTLS, retries and tracing on Kubernetes. The sidecar is found as the Dapr SDK
/// finds it: <c>DAPR_HTTP_ENDPOINT</c>, else <c>http://localhost:{DAPR_HTTP_PORT}</c>, else port 3500.
/// </summary>
internal sealed class SidecarJwksSource(HttpClient http, IConfiguration configuration, IOptions<AuthOptions> options) : IJwksSource
{
    public const string HttpClientName = "ledgerx-jwks";
    public const string JwksMethod = ".well-known/jwks";
    private const string DaprApiTokenHeader = "dapr-api-token";

    public async Task<string> FetchAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, JwksUri(configuration, options.Value.AppId));
        // A sidecar started with DAPR_API_TOKEN refuses callers without it.
        if (configuration["DAPR_API_TOKEN"] is { Length: > 0 } token)
        {
            request.Headers.Add(DaprApiTokenHeader, token);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.KeyFetchTimeoutMs);
        using var response = await http.SendAsync(request, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                string.Create(CultureInfo.InvariantCulture, $"{request.RequestUri} answered {(int)response.StatusCode}."), null, response.StatusCode);
        }
        return await response.Content.ReadAsStringAsync(timeout.Token);
    }

    public static Uri JwksUri(IConfiguration configuration, string appId)
    {
        var endpoint = configuration["DAPR_HTTP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            var port = configuration["DAPR_HTTP_PORT"];
            endpoint = string.Create(CultureInfo.InvariantCulture, $"http://localhost:{(string.IsNullOrWhiteSpace(port) ? "3500" : port)}");
        }
        return new Uri(new Uri(endpoint), $"/v1.0/invoke/{Uri.EscapeDataString(appId)}/method/{JwksMethod}");
    }
}
