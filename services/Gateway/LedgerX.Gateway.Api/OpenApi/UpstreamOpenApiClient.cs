using System.Text.Json.Nodes;
using LedgerX.Gateway.Api.Routing;

namespace LedgerX.Gateway.Api.OpenApi;

/// <summary>
/// <c>GET /openapi/{version}.json</c> of one service, through the sidecar (<c>dapr-app-id</c> header invocation): the one
/// call the gateway itself makes to the services' APIs, and so its consumer contract (tests/Contracts.ConsumerTests,
/// <c>contracts/pacts/gateway-*.json</c>). What it relies on: a JSON object with a <c>paths</c> object.
/// </summary>
internal sealed class UpstreamOpenApiClient(HttpClient http, SidecarEndpoint sidecar)
{
    /// <summary>The document, or null when the service answers but not with one; throws when it cannot be reached. A 404 is
    /// the service saying it has no API of that version (notification-service serves only v1): an empty document, so the
    /// service is not named missing from a version it never had.</summary>
    public async Task<JsonObject?> FetchAsync(string appId, string version, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sidecar.Address, $"openapi/{version}.json"));
        request.Headers.TryAddWithoutValidation(SidecarEndpoint.AppIdHeader, appId);
        if (sidecar.ApiToken is not null)
        {
            request.Headers.TryAddWithoutValidation(SidecarEndpoint.ApiTokenHeader, sidecar.ApiToken);
        }
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return new JsonObject { ["paths"] = new JsonObject() };
        }
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
        return document?["paths"] is JsonObject ? document : null;
    }
}
