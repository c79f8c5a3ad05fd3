using System.Globalization;
using Dapr.Client;
using Microsoft.Extensions.Configuration;

namespace LedgerX.ServiceDefaults.Auth;

/// <summary>Where the JSON Web Key Set comes from. In every service it is auth-service through the Dapr sidecar
/// (<see cref="AuthServiceJwks"/>); a test host may put its own issuer here.</summary>
public interface IJwksSource
{
    /// <summary>The JWKS document. Throws when it cannot be had now; the caller keeps its last good keys.</summary>
    Task<string> FetchAsync(CancellationToken cancellationToken);
}

/// <summary>
/// <c>GET /.well-known/jwks</c> on auth-service. In a service the <see cref="HttpClient"/> is Dapr's invocation client
/// (<see cref="ForSidecar"/>): the request goes to <c>{sidecar}/v1.0/invoke/{Auth:AppId}/method/.well-known/jwks</c>,
/// since services reach each other only through their sidecars (mTLS, retries and tracing on Kubernetes). The Pact
/// consumer test points the same class at the mock provider.
/// </summary>
public sealed class AuthServiceJwks(HttpClient http, TimeSpan timeout) : IJwksSource
{
    public const string JwksPath = ".well-known/jwks";

    public async Task<string> FetchAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var response = await http.GetAsync(JwksPath, deadline.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                string.Create(CultureInfo.InvariantCulture, $"auth-service's JWKS answered {(int)response.StatusCode}."), null, response.StatusCode);
        }
        return await response.Content.ReadAsStringAsync(deadline.Token);
    }

    /// <summary>Dapr's invocation client for <paramref name="appId"/>, on the sidecar found as the Dapr SDK finds it
    /// (<c>DAPR_HTTP_ENDPOINT</c>, else <c>http://localhost:{DAPR_HTTP_PORT}</c>, else port 3500) but read from
    /// configuration, so settings other than environment variables count too; <c>DAPR_API_TOKEN</c> is sent when set.</summary>
    public static HttpClient ForSidecar(IConfiguration configuration, string appId)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoint = configuration["DAPR_HTTP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            var port = configuration["DAPR_HTTP_PORT"];
            endpoint = string.Create(CultureInfo.InvariantCulture, $"http://localhost:{(string.IsNullOrWhiteSpace(port) ? "3500" : port)}");
        }
        var token = configuration["DAPR_API_TOKEN"];
        return DaprClient.CreateInvokeHttpClient(appId, endpoint, string.IsNullOrEmpty(token) ? null : token);
    }
}
