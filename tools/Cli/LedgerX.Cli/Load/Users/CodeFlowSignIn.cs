using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;

namespace LedgerX.Cli.Load.Users;

/// <summary>Tokens from auth-service's token endpoint.</summary>
internal sealed record SignedIn(string Subject, string AccessToken, string? RefreshToken);

/// <summary>
/// A user signing in as a person does, through the gateway: the code flow with PKCE of the public client
/// <c>ledgerx-cli</c> (authorize → the HTML sign-in page with its antiforgery token → code on the loopback redirect →
/// token), and refresh. The same hops as tests/Shared/LedgerX.Testing's Browser and the E2E Identities take.
/// </summary>
internal sealed partial class CodeFlowSignIn(Uri gateway)
{
    public const string ClientId = "ledgerx-cli";
    public const string RedirectUri = "http://127.0.0.1/callback";

    /// <summary>What a load customer needs (offline_access: the refresh token the cache keeps).</summary>
    public const string CustomerScope = "openid offline_access ledger:read ledger:write analytics:read notifications:manage nlp:ask";

    public async Task<SignedIn> SignInAsync(string email, string password, string scope, CancellationToken ct)
    {
        var cookies = new CookieContainer();
        using var http = SetupHttp.Create(gateway, followRedirects: false);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = $"connect/authorize?client_id={ClientId}&response_type=code&redirect_uri={Uri.EscapeDataString(RedirectUri)}" +
                        $"&scope={Uri.EscapeDataString(scope)}&state=load&code_challenge={challenge}&code_challenge_method=S256";
        var login = await RedirectAsync(http, cookies, new HttpRequestMessage(HttpMethod.Get, authorize), ct);
        var returnUrl = HttpUtility.ParseQueryString(login.Query)["ReturnUrl"] ?? throw new LoadSetupException($"sign-in page without ReturnUrl: {login}");
        using var page = await SendAsync(http, cookies, new HttpRequestMessage(HttpMethod.Get, $"account/login?returnUrl={Uri.EscapeDataString(returnUrl)}"), ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        var token = AntiforgeryField().Match(html);
        if (page.StatusCode != HttpStatusCode.OK || !token.Success)
        {
            throw new LoadSetupException($"the sign-in page answered {(int)page.StatusCode} without a form");
        }
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email, ["password"] = password, ["returnUrl"] = returnUrl, [token.Groups["name"].Value] = WebUtility.HtmlDecode(token.Groups["value"].Value),
        });
        var back = await RedirectAsync(http, cookies, new HttpRequestMessage(HttpMethod.Post, "account/login") { Content = form }, ct);
        var callback = await RedirectAsync(http, cookies, new HttpRequestMessage(HttpMethod.Get, back.IsAbsoluteUri ? back.PathAndQuery.TrimStart('/') : back.OriginalString.TrimStart('/')), ct);
        var code = HttpUtility.ParseQueryString(callback.Query)["code"] ?? throw new LoadSetupException($"no code on the redirect: {callback}");
        return await TokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri, ["client_id"] = ClientId, ["code_verifier"] = verifier,
        }, ct);
    }

    /// <summary>The refresh grant: a new access token and (refresh tokens rotate) a new refresh token.</summary>
    public async Task<SignedIn> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        using var http = SetupHttp.Create(gateway);
        return await TokenAsync(http, new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = ClientId }, ct);
    }

    private static async Task<SignedIn> TokenAsync(HttpClient http, Dictionary<string, string> form, CancellationToken ct)
    {
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(form), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new LoadSetupException($"the token endpoint answered {(int)response.StatusCode}: {body}");
        }
        var json = JsonDocument.Parse(body).RootElement;
        var access = json.GetProperty("access_token").GetString()!;
        return new SignedIn(Subject(access), access, json.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null);
    }

    private static string Subject(string jwt) =>
        JwtPayload.Read(jwt)?.GetProperty("sub").GetString() ?? throw new LoadSetupException("the access token is not a JWT with a subject");

    private async Task<Uri> RedirectAsync(HttpClient http, CookieContainer cookies, HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await SendAsync(http, cookies, request, ct);
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location is null)
        {
            throw new LoadSetupException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}, not a redirect: " +
                                         $"{await response.Content.ReadAsStringAsync(ct)}");
        }
        return response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(gateway, response.Headers.Location);
    }

    /// <summary>Sends with the jar's cookies. Like browsers, it treats http://127.0.0.1 as a secure context, so a
    /// cookie marked Secure (OpenIddict's correlation cookie) is kept and sent there.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpClient http, CookieContainer cookies, HttpRequestMessage request, CancellationToken ct)
    {
        var uri = new Uri(gateway, request.RequestUri!);
        var jarUri = uri.IsLoopback ? new UriBuilder(uri) { Scheme = Uri.UriSchemeHttps, Port = uri.Port }.Uri : uri;
        if (cookies.GetCookieHeader(jarUri) is { Length: > 0 } header)
        {
            request.Headers.Add("Cookie", header);
        }
        var response = await http.SendAsync(request, ct);
        request.Dispose();
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                cookies.SetCookies(jarUri, setCookie);
            }
        }
        return response;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("""<input type="hidden" name="(?<name>__RequestVerificationToken[^"]*)" value="(?<value>[^"]+)">""")]
    private static partial Regex AntiforgeryField();
}

/// <summary>Preparing the user pool failed: the run does not start (exit 3).</summary>
internal sealed class LoadSetupException(string message) : Exception(message);
