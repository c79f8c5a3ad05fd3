using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace LedgerX.Auth.IntegrationTests.Infrastructure;

/// <summary>A token endpoint answer.</summary>
public sealed record TokenSet(string AccessToken, string? RefreshToken, string? IdToken, int ExpiresIn, string? Scope)
{
    public JsonWebToken Jwt => new(AccessToken);

    public IReadOnlyList<string> Scopes => Jwt.TryGetPayloadValue<string>("scope", out var scope) ? scope.Split(' ') : [];
}

/// <summary>The client side of the OAuth flows, spoken over plain HTTP as a real client would.</summary>
public static class OAuth
{
    public const string RedirectUri = "http://127.0.0.1/callback";

    public static (string Verifier, string Challenge) Pkce() => LedgerX.Testing.Pkce.Create();

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string AuthorizeUrl(string scope, string? challenge, string clientId = AuthServer.CliClient, string state = "xyz")
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId, ["response_type"] = "code", ["redirect_uri"] = RedirectUri, ["scope"] = scope, ["state"] = state,
        };
        if (challenge is not null)
        {
            query["code_challenge"] = challenge;
            query["code_challenge_method"] = "S256";
        }
        return QueryHelpers.AddQueryString("/connect/authorize", query);
    }

    /// <summary>Code + PKCE through the HTML sign-in with a cookie-keeping browser; returns the token endpoint's answer.</summary>
    public static async Task<TokenSet> CodeFlowAsync(AuthServer server, string email, string password, string scope)
    {
        using var browser = server.Browser();
        var pkce = Pkce();
        var code = await SignInForCodeAsync(browser, email, password, AuthorizeUrl(scope, pkce.Challenge));
        return await ExchangeAsync(server.Client, code, pkce.Verifier);
    }

    public static Task<TokenSet> ExchangeAsync(HttpClient client, string code, string verifier) =>
        TokenAsync(client, new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri,
            ["client_id"] = AuthServer.CliClient, ["code_verifier"] = verifier,
        });

    /// <summary>Opens the authorize URL, is sent to the sign-in page, signs in and follows back to the code.</summary>
    public static async Task<string> SignInForCodeAsync(Browser browser, string email, string password, string authorizeUrl)
    {
        using var signedIn = await SignInFromAuthorizeAsync(browser, email, password, authorizeUrl);
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync());
        return await FollowToCodeAsync(browser, signedIn.Headers.Location!.ToString());
    }

    /// <summary>The sign-in page's answer after the authorize request sent the browser there.</summary>
    public static async Task<HttpResponseMessage> SignInFromAuthorizeAsync(Browser browser, string email, string password, string authorizeUrl)
    {
        using var first = await browser.GetAsync(authorizeUrl);
        first.StatusCode.ShouldBe(HttpStatusCode.Redirect, await first.Content.ReadAsStringAsync());
        var login = first.Headers.Location!;
        login.ToString().ShouldContain("/account/login");
        var returnUrl = QueryHelpers.ParseQuery(new Uri(new Uri("http://x"), login).Query)["ReturnUrl"].ToString();
        return await browser.SignInAsync(email, password, returnUrl);
    }

    /// <summary>Follows the redirect back to the authorize endpoint, which answers with the code on the redirect URI.</summary>
    public static async Task<string> FollowToCodeAsync(Browser browser, string authorizeUrl)
    {
        using var back = await browser.GetAsync(authorizeUrl);
        back.StatusCode.ShouldBe(HttpStatusCode.Redirect, await back.Content.ReadAsStringAsync());
        var callback = back.Headers.Location!;
        callback.ToString().ShouldStartWith(RedirectUri);
        var query = QueryHelpers.ParseQuery(callback.Query);
        query.ContainsKey("code").ShouldBeTrue(callback.ToString());
        query["state"].ToString().ShouldBe("xyz");
        return query["code"].ToString();
    }

    public static async Task<TokenSet> TokenAsync(HttpClient client, Dictionary<string, string> form)
    {
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return Parse(body);
    }

    /// <summary>The token endpoint's error code for a request that must fail.</summary>
    public static async Task<string> TokenErrorAsync(HttpClient client, Dictionary<string, string> form)
    {
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeFalse(body);
        return JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
    }

    public static Task<TokenSet> RefreshAsync(HttpClient client, string refreshToken) =>
        TokenAsync(client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = AuthServer.CliClient });

    public static Task<TokenSet> ClientCredentialsAsync(HttpClient client, string scope) =>
        TokenAsync(client, new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = AuthServer.MachineClient, ["client_secret"] = AuthServer.MachineSecret, ["scope"] = scope,
        });

    public static HttpRequestMessage WithBearer(this HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new("Bearer", token);
        return request;
    }

    private static TokenSet Parse(string body)
    {
        var json = JsonDocument.Parse(body).RootElement;
        string? Text(string name) => json.TryGetProperty(name, out var value) ? value.GetString() : null;
        return new TokenSet(Text("access_token")!, Text("refresh_token"), Text("id_token"), json.GetProperty("expires_in").GetInt32(), Text("scope"));
    }
}
