using System.Security.Cryptography;
using System.Text;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Http;

/// <summary>
/// "Apps accept calls only from their own sidecar": with <c>APP_API_TOKEN</c> set (Dapr sets it for the app and its
/// sidecar from the same secret: <c>dapr.io/app-token-secret</c>, or the local launcher), every request must carry it as
/// <c>dapr-api-token</c>, compared in constant time, before authentication or any endpoint runs; anything else is a 401
/// problem with code <c>app_token_required</c>. Probes and scrapers call the app directly and carry no token, so
/// <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> stay open (they say nothing about customers).
/// <para>
/// Why not Dapr.AspNetCore's <c>AddDapr</c> authentication handler: it is an authentication scheme that only endpoints
/// whose policy names it consult, next to the JWT bearer scheme the APIs use, so it would make the app token an
/// alternative identity on opted-in endpoints rather than a gate in front of all of them.
/// </para>
/// <para>
/// <c>AppApiToken:PublicPathPrefixes</c> names path prefixes that clients reach without the sidecar (matched by whole
/// segments, case-insensitively): notification-service's <c>/api/v1/live</c>, because a WebSocket cannot pass Dapr service
/// invocation, so the gateway connects to the app directly (docs/adr/0016-live-updates.md). Those paths skip only this
/// guard: their endpoints still demand a user token. <c>/</c> is refused (it would switch the guard off unannounced).
/// </para>
/// <para>
/// Without <c>APP_API_TOKEN</c> nothing is checked (tests on Kestrel, and the gateway, whose port is the public one). In
/// Production that is logged as a warning at start rather than refused: the one client-facing app legitimately runs so.
/// </para>
/// </summary>
internal static class AppApiTokenGuard
{
    /// <summary>The variable daprd and the Dapr SDKs use for the token the sidecar sends to its app.</summary>
    public const string Setting = "APP_API_TOKEN";

    /// <summary>The header the sidecar sends it in (daprd: <c>dapr-api-token</c>, also on gRPC).</summary>
    public const string Header = "dapr-api-token";

    public const string Code = "app_token_required";

    /// <summary>Path prefixes that need no app token (a list: <c>AppApiToken:PublicPathPrefixes:0</c>, ...).</summary>
    public const string PublicPathPrefixesSetting = "AppApiToken:PublicPathPrefixes";

    public static IApplicationBuilder UseAppApiTokenGuard(this IApplicationBuilder app)
    {
        var configuration = app.ApplicationServices.GetRequiredService<IConfiguration>();
        string? token = configuration[Setting];
        if (string.IsNullOrEmpty(token))
        {
            if (app.ApplicationServices.GetRequiredService<IHostEnvironment>().IsProduction())
            {
                app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AppApiTokenGuard).FullName!).LogWarning(
                    "{Setting} is not set: this service answers anyone who can reach its port, not only its Dapr sidecar. Set it (the chart does, with dapr.io/app-token-secret) unless clients are meant to call this app directly",
                    Setting);
            }

            return app;
        }

        byte[] expected = Encoding.UTF8.GetBytes(token);
        PathString[] publicPrefixes = PublicPrefixes(configuration);
        return app.Use(async (context, next) =>
        {
            if (DefaultEndpoints.IsProbe(context.Request.Path) || Presents(context.Request, expected)
                || publicPrefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await TokenEvents.WriteProblemAsync(context, StatusCodes.Status401Unauthorized, Code,
                "Only this service's Dapr sidecar may call it; send requests through the gateway.",
                new Dictionary<string, object?> { ["header"] = Header });
        });
    }

    /// <summary>The configured prefixes; a value that is not an absolute path of at least one segment stops the start.</summary>
    internal static PathString[] PublicPrefixes(IConfiguration configuration)
    {
        var values = configuration.GetSection(PublicPathPrefixesSetting).GetChildren().Select(c => c.Value ?? "").ToArray();
        foreach (var value in values)
        {
            if (!value.StartsWith('/') || value.TrimEnd('/').Length == 0 || value.Contains("..", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{PublicPathPrefixesSetting}: '{value}' is not a path prefix such as /api/v1/live ('/' would open every path).");
            }
        }
        return [.. values.Select(v => new PathString(v.TrimEnd('/')))];
    }

    private static bool Presents(HttpRequest request, byte[] expected)
    {
        var values = request.Headers[Header];
        return values.Count == 1 && values[0] is { Length: > 0 } presented
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected);
    }
}
