using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Polly;
using Polly.Timeout;

namespace LedgerX.Nlp.Api.Tools;

/// <summary>GETs on the other services through Dapr service invocation (one
/// <c>DaprClient.CreateInvokeHttpClient(appId)</c> client per app, see <see cref="ToolsRegistration"/>), each attempt
/// bounded by a timeout and transient failures retried (<see cref="ToolsOptions"/>), always with the asker's own token,
/// so each service applies its object checks to the asker. Maps the answer to what a tool means by it: 404 = not found
/// (null), 401/403 = not allowed (or the token expired), 5xx/timeout/no connection = unavailable.</summary>
internal sealed class DownstreamClient(IReadOnlyDictionary<string, HttpClient> clients, ResiliencePipeline<HttpResponseMessage> pipeline, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The body of a 200, or null for a 404.</summary>
    public async Task<T?> GetAsync<T>(string appId, string pathAndQuery, string accessToken, CancellationToken ct) where T : class
    {
        var client = clients[appId];
        HttpResponseMessage response;
        try
        {
            // A request message is sent once: every attempt builds its own.
            response = await pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            }, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException
                                  || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new ToolUnavailableException(appId, $"{appId} did not answer GET {Path(pathAndQuery)}: {e.Message}", e);
        }
        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    return await response.Content.ReadFromJsonAsync<T>(Json, ct)
                        ?? throw new ToolUnavailableException(appId, $"{appId} answered GET {Path(pathAndQuery)} with an empty body.");
                case HttpStatusCode.NotFound:
                    return null;
                case HttpStatusCode.Unauthorized when ExpiredAt(accessToken) is { } expiredAt:
                    throw new ToolTokenExpiredException(appId, expiredAt);
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    throw new ToolAccessDeniedException(appId, (int)response.StatusCode,
                        $"{appId} refused the asker's token ({(int)response.StatusCode}) for GET {Path(pathAndQuery)}.");
                case >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests:
                    throw new ToolUnavailableException(appId, $"{appId} answered {(int)response.StatusCode} to GET {Path(pathAndQuery)}.");
                default:
                    // A 400 means this code built a request the service does not accept: a bug here, not the asker's doing.
                    throw new InvalidOperationException(
                        $"{appId} answered {(int)response.StatusCode} to GET {pathAndQuery}: {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
    }

    /// <summary>When the token expired, if it has (read without validating: the service that refused it validated it).</summary>
    private DateTimeOffset? ExpiredAt(string accessToken)
    {
        try
        {
            var validTo = new JsonWebToken(accessToken).ValidTo;
            if (validTo == DateTime.MinValue) return null; // no exp claim: nothing to have expired
            var expires = new DateTimeOffset(validTo, TimeSpan.Zero);
            return expires <= clock.GetUtcNow() ? expires : null;
        }
        catch (ArgumentException)
        {
            return null; // not a JWT we can read: the service's 401 stands as "not allowed"
        }
    }

    // Logged paths leave out the query (it may carry a cursor, never a secret, but it adds nothing to a message).
    private static string Path(string pathAndQuery) => pathAndQuery.Split('?')[0];
}
