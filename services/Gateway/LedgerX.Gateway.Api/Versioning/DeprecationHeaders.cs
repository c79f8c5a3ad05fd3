using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace LedgerX.Gateway.Api.Versioning;

/// <summary>
/// API v1 is deprecated in favour of v2 (money as <c>{ "amount", "currency" }</c> objects; identity only from the
/// token). Every <c>/api/v1</c> response says so, whoever answered it: <c>Deprecation: @&lt;unix seconds&gt;</c> (RFC 9745),
/// <c>Sunset: &lt;HTTP-date&gt;</c> (RFC 8594) and a <c>Link</c> to the migration guide with <c>rel="deprecation"</c> and
/// <c>rel="sunset"</c>. v2 responses carry none of them. The guide (docs/api/migration-v2.md) is served at
/// <see cref="GuidePath"/>, embedded at build time, so the link works wherever the gateway runs.
/// </summary>
internal static class DeprecationHeaders
{
    public const string GuidePath = "/docs/api/migration-v2.md";
    public const string Deprecation = "Deprecation";
    public const string Sunset = "Sunset";

    public static WebApplicationBuilder AddApiVersioning(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<VersioningOptions>(VersioningOptions.Section)
            .Validate(o => o.IsValid(), "Gateway:Versioning: V1DeprecatedAt and V1SunsetAt are ISO 8601 dates, the sunset after the deprecation.");
        return builder;
    }

    public static IApplicationBuilder UseDeprecationHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase))
        {
            var options = context.RequestServices.GetRequiredService<IOptions<VersioningOptions>>().Value;
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers[Deprecation] = "@" + options.DeprecatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                headers[Sunset] = options.SunsetAt.UtcDateTime.ToString("R", CultureInfo.InvariantCulture);
                headers.Append("Link", $"<{options.MigrationGuideUrl}>; rel=\"deprecation\"; type=\"text/markdown\"");
                headers.Append("Link", $"<{options.MigrationGuideUrl}>; rel=\"sunset\"; type=\"text/markdown\"");
                return Task.CompletedTask;
            });
        }
        return next(context);
    });

    /// <summary>The guide itself, open to anyone (it is documentation).</summary>
    public static WebApplication MapMigrationGuide(this WebApplication app)
    {
        app.MapGet(GuidePath, () => Results.Text(Guide.Value, "text/markdown; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static readonly Lazy<string> Guide = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("migration-v2.md")
            ?? throw new InvalidOperationException("The migration guide is not embedded in the gateway.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
