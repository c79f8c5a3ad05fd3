using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace LedgerX.Gateway.Api.Security;

/// <summary>
/// Bounds on what one request may cost (OWASP API4). Kestrel's own limits sit above the configured ones as a backstop
/// only: Kestrel refuses with a bare status before any middleware runs, whereas a limit checked here is answered with a
/// problem that names the limit. A body with a Content-Length over the limit is refused before any byte is forwarded.
/// </summary>
internal static class RequestLimits
{
    public const string UrlTooLong = "url_too_long";
    public const string HeadersTooLarge = "headers_too_large";
    public const string BodyTooLarge = "request_too_large";

    public static WebApplicationBuilder AddRequestLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<RequestLimitsOptions>(RequestLimitsOptions.Section);
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitsOptions>>((kestrel, limits) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeaderCount = limits.Value.MaxHeaderCount * 2;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.Value.MaxHeadersTotalBytes * 2;
            kestrel.Limits.MaxRequestLineSize = limits.Value.MaxUrlLength * 2 + 64;
        });
        return builder;
    }

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<RequestLimitsOptions>>().Value;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        if (target.Length > limits.MaxUrlLength)
        {
            await RefuseAsync(context, StatusCodes.Status414UriTooLong, UrlTooLong,
                $"The URL is {target.Length} bytes long; the limit is {limits.MaxUrlLength}.", "maxUrlLength", limits.MaxUrlLength);
            return;
        }
        var headers = context.Request.Headers;
        var count = headers.Sum(h => Math.Max(1, h.Value.Count));
        if (count > limits.MaxHeaderCount)
        {
            await RefuseAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, HeadersTooLarge,
                $"The request has {count} header fields; the limit is {limits.MaxHeaderCount}.", "maxHeaderCount", limits.MaxHeaderCount);
            return;
        }
        var bytes = headers.Sum(h => h.Key.Length + h.Value.Sum(v => v?.Length ?? 0));
        if (bytes > limits.MaxHeadersTotalBytes)
        {
            await RefuseAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, HeadersTooLarge,
                $"The request's headers hold {bytes} bytes; the limit is {limits.MaxHeadersTotalBytes}.", "maxHeadersTotalBytes", limits.MaxHeadersTotalBytes);
            return;
        }
        var maxBody = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (context.Request.ContentLength is { } length && maxBody is { } max && length > max)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, BodyTooLarge,
                string.Create(CultureInfo.InvariantCulture, $"The request body is larger than the limit of {max} bytes."), "maxBodyBytes", max);
            return;
        }
        await next(context);
    });

    private static Task RefuseAsync(HttpContext context, int status, string code, string detail, string limitName, long limit)
    {
        context.Response.StatusCode = status;
        return GatewayProblems.WriteAsync(context, status, code, detail, new Dictionary<string, object?> { [limitName] = limit });
    }
}
