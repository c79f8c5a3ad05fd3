using System.Net;
using System.Text.RegularExpressions;

namespace LedgerX.Testing;

/// <summary>
/// A browser over real HTTP: a cookie jar, redirects followed by the test (so each hop can be checked), forms posted
/// with the antiforgery token the page carried. Used against auth-service's sign-in pages, directly or through the gateway.
/// </summary>
public sealed partial class Browser : IDisposable
{
    private readonly HttpClient _http;

    public Browser(Uri baseAddress)
    {
        _http = new HttpClient(new LoopbackCookieJar { InnerHandler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false } })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public Task<HttpResponseMessage> GetAsync(string url) => _http.GetAsync(url);

    /// <summary>Posts the form of the page at <paramref name="pageUrl"/> with <paramref name="fields"/> and its antiforgery token.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string pageUrl, string action, IDictionary<string, string> fields)
    {
        using var page = await _http.GetAsync(pageUrl);
        if (page.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {pageUrl} answered {(int)page.StatusCode}: {await page.Content.ReadAsStringAsync()}");
        }
        return await PostFormAsync(action, await page.Content.ReadAsStringAsync(), fields);
    }

    /// <summary>Posts to <paramref name="action"/> with the antiforgery token found in <paramref name="html"/>.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string action, string html, IDictionary<string, string> fields)
    {
        var token = AntiforgeryField().Match(html);
        if (!token.Success)
        {
            throw new InvalidOperationException("the page has no antiforgery token");
        }
        var form = new Dictionary<string, string>(fields) { [token.Groups["name"].Value] = WebUtility.HtmlDecode(token.Groups["value"].Value) };
        return await _http.PostAsync(action, new FormUrlEncodedContent(form));
    }

    /// <summary>Signs in on the HTML page; the answer is the page's (a redirect when it worked).</summary>
    public Task<HttpResponseMessage> SignInAsync(string email, string password, string returnUrl = "/account/signed-in") =>
        SubmitAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}", "/account/login",
            new Dictionary<string, string> { ["email"] = email, ["password"] = password, ["returnUrl"] = returnUrl });

    [GeneratedRegex("""<input type="hidden" name="(?<name>__RequestVerificationToken[^"]*)" value="(?<value>[^"]+)">""")]
    private static partial Regex AntiforgeryField();

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// The cookie jar of a browser: like browsers, it treats http://127.0.0.1 as a secure context, so a cookie marked
    /// Secure (OpenIddict's client marks its correlation cookie so) is kept and sent there; .NET's own cookie handling
    /// would drop it.
    /// </summary>
    private sealed class LoopbackCookieJar : DelegatingHandler
    {
        private readonly CookieContainer _cookies = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            var asSecure = IsLoopback(uri) ? new UriBuilder(uri) { Scheme = Uri.UriSchemeHttps, Port = uri.Port }.Uri : uri;
            if (_cookies.GetCookieHeader(asSecure) is { Length: > 0 } header)
            {
                request.Headers.Add("Cookie", header);
            }
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var setCookie in setCookies)
                {
                    _cookies.SetCookies(asSecure, setCookie);
                }
            }
            return response;
        }

        private static bool IsLoopback(Uri uri) => uri.IsLoopback;
    }
}
