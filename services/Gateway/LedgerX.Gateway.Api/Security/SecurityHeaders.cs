using Microsoft.Net.Http.Headers;

namespace LedgerX.Gateway.Api.Security;

/// <summary>
/// Headers every response leaves with. <c>nosniff</c> and <c>no-referrer</c> everywhere; for API and OAuth responses
/// (JSON only) a Content-Security-Policy that allows nothing to load and nothing to frame, and <c>Cache-Control:
/// no-store</c> (balances and tokens must not sit in a shared cache). HTML pages (auth-service's sign-in pages, the API
/// reference) keep the policy their producer set, or get one that allows their own scripts only. HSTS is added on HTTPS
/// requests (<c>UseHsts</c>); on plain HTTP it would mean nothing.
/// </summary>
internal static class SecurityHeaders
{
    public const string JsonApiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>The Scalar page and the sign-in pages load their own scripts and styles inline; nothing from elsewhere.</summary>
    public const string PagePolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    private static readonly string[] NoStorePrefixes = ["/api", "/connect", "/account", "/.well-known"];

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.Remove(HeaderNames.Server);
            headers.Remove("X-Powered-By");
            var html = http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
            if (!headers.ContainsKey(HeaderNames.ContentSecurityPolicy))
            {
                headers[HeaderNames.ContentSecurityPolicy] = html ? PagePolicy : JsonApiPolicy;
            }
            if (!headers.ContainsKey(HeaderNames.XFrameOptions))
            {
                headers[HeaderNames.XFrameOptions] = "DENY";
            }
            var path = http.Request.Path;
            if (NoStorePrefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
            {
                headers[HeaderNames.CacheControl] = "no-store";
            }
            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
