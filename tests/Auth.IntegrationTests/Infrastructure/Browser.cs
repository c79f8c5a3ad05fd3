using System.Text.RegularExpressions;

namespace LedgerX.Auth.IntegrationTests.Infrastructure;

/// <summary>
/// A browser over real HTTP: a cookie jar, redirects followed by the test (so each hop can be checked), forms posted
/// with the antiforgery token the page carried.
/// </summary>
public sealed partial class Browser : IDisposable
{
    private readonly HttpClient _http;

    public Browser(Uri baseAddress)
    {
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
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
        page.StatusCode.ShouldBe(HttpStatusCode.OK, await page.Content.ReadAsStringAsync());
        return await PostFormAsync(action, await page.Content.ReadAsStringAsync(), fields);
    }

    /// <summary>Posts to <paramref name="action"/> with the antiforgery token found in <paramref name="html"/>.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string action, string html, IDictionary<string, string> fields)
    {
        var token = AntiforgeryField().Match(html);
        token.Success.ShouldBeTrue("the page has no antiforgery token");
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
}
