using System.Net;
using LedgerX.Gateway.Api.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace LedgerX.Gateway.Api.Security;

/// <summary>
/// The edge of the platform: which proxies in front of the gateway are believed about the client's address
/// (<c>Gateway:TrustedProxies</c>), which browser origins may call (<c>Gateway:Cors</c>), and HSTS.
/// </summary>
internal static class GatewayEdge
{
    public static WebApplicationBuilder AddGatewayEdge(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        builder.Services.AddValidatedOptions<GatewayCorsOptions>(GatewayCorsOptions.Section)
            .Validate(o => o.AllowedOrigins.All(IsOrigin), "Gateway:Cors:AllowedOrigins holds only exact http(s) origins (scheme://host[:port]), no paths or wildcards.");
        builder.Services.AddCors();
        builder.Services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<GatewayCorsOptions>>((cors, gateway) => cors.AddDefaultPolicy(policy => policy
                .WithOrigins([.. gateway.Value.AllowedOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete)
                .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", RequestId.Header, "traceparent", "tracestate")
                .WithExposedHeaders(RequestId.Header, "Retry-After", RateLimitHeaders.Policy, RateLimitHeaders.Current, "Deprecation", "Sunset", "Link", "Location")
                .SetPreflightMaxAge(TimeSpan.FromSeconds(gateway.Value.MaxAgeSeconds))));
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>((forwarded, gateway) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // The framework trusts loopback by default; here only what is configured counts.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var entry in gateway.Value.TrustedProxies)
            {
                if (System.Net.IPNetwork.TryParse(entry, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
                else if (IPAddress.TryParse(entry, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
                else
                {
                    throw new OptionsValidationException(GatewayOptions.Section, typeof(GatewayOptions),
                        [$"Gateway:TrustedProxies entry '{entry}' is neither an IP address nor a CIDR network."]);
                }
            }
        });
        builder.Services.AddHsts(hsts =>
        {
            hsts.MaxAge = TimeSpan.FromDays(365);
            hsts.IncludeSubDomains = true;
        });
        return builder;
    }

    /// <summary>Forwarded headers from trusted proxies only; then CORS (its preflight answers before any token is asked
    /// for); HSTS on HTTPS.</summary>
    public static IApplicationBuilder UseGatewayEdge(this IApplicationBuilder app)
    {
        // With no known proxy at all the middleware would believe everyone; so without trusted proxies it is not used.
        if (app.ApplicationServices.GetRequiredService<IOptions<GatewayOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        app.UseHsts();
        app.UseCors();
        return app;
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/"
        && !value.EndsWith('/') && string.IsNullOrEmpty(uri.Query) && !value.Contains('*', StringComparison.Ordinal);
}
