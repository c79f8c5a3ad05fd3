using System.Text;
using System.Text.Json.Nodes;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace LedgerX.Contracts.ProviderTests.Infrastructure;

/// <summary>
/// The access token a consumer's pact shows is an example: an unsigned JWT (issuer <see cref="ExampleIssuer"/>) whose
/// claims say who the consumer calls as (<c>sub</c>, <c>client_id</c>) and with which permissions (<c>scope</c>), written
/// by tests/Contracts.ConsumerTests ExampleTokens. No service accepts it; this filter, in the provider test host only,
/// replaces it by a token with the same claims from the test issuer the service trusts. So verification proves that the
/// permissions the consumer declares are enough for what it asks, and a request without a token (or with a real one)
/// meets the service's own checks untouched.
/// </summary>
public sealed class PactTokens : IStartupFilter
{
    /// <summary>The same value as the consumer side's ExampleTokens.Issuer.</summary>
    public const string ExampleIssuer = "urn:ledgerx:pact-example";

    private const string BearerPrefix = "Bearer ";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (http, rest) =>
        {
            if (Resigned(http.Request.Headers.Authorization.ToString()) is { } token)
            {
                http.Request.Headers[HeaderNames.Authorization] = BearerPrefix + token;
            }
            await rest(http);
        });
        next(app);
    };

    /// <summary>The example's claims as a token the service accepts, or null when the header holds no pact example.</summary>
    public static string? Resigned(string authorization)
    {
        if (!authorization.StartsWith(BearerPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = authorization[BearerPrefix.Length..].Split('.');
        if (parts.Length != 3)
        {
            return null;
        }
        JsonObject claims;
        try
        {
            claims = JsonNode.Parse(Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(parts[1])))!.AsObject();
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
        if ((string?)claims["iss"] != ExampleIssuer || (string?)claims["sub"] is not { Length: > 0 } subject)
        {
            return null;
        }
        var scopes = ((string?)claims["scope"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var extra = (string?)claims["client_id"] is { } clientId ? new Dictionary<string, object> { ["client_id"] = clientId } : null;
        return TestTokens.Shared.Mint(subject, scopes, claims: extra);
    }
}
