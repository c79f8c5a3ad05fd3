using LedgerX.ServiceDefaults;
using Scalar.AspNetCore;

namespace LedgerX.Gateway.Api.OpenApi;

/// <summary>
/// <c>GET /openapi/v1.json</c> and <c>/openapi/v2.json</c> (the merged documents) and the Scalar reference at
/// <c>/scalar/v1</c> and <c>/scalar/v2</c>; open to everyone, as documentation is.
/// </summary>
internal static class GatewayApiReference
{
    public static readonly string[] Versions = ["v1", "v2"];

    public static WebApplicationBuilder AddMergedOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<MergedOpenApiOptions>(MergedOpenApiOptions.Section);
        builder.Services.AddHttpClient(MergedOpenApi.ClientName);
        builder.Services.AddSingleton<MergedOpenApi>();
        return builder;
    }

    public static WebApplication MapMergedOpenApi(this WebApplication app)
    {
        app.MapGet("/openapi/{version}.json", GetAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapScalarApiReference(options =>
        {
            options.WithTitle("LedgerX API");
            foreach (var version in Versions)
            {
                options.AddDocument(version, $"LedgerX API {version}", isDefault: version == Versions[^1]);
            }
        }).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> GetAsync(string version, HttpContext context, MergedOpenApi documents, CancellationToken cancellationToken)
    {
        if (!Versions.Contains(version, StringComparer.Ordinal))
        {
            return Problems.NotFound("unknown_api_version", $"There is no API version '{version}'; the gateway serves {string.Join(" and ", Versions)}.");
        }
        var document = await documents.GetAsync(version, cancellationToken);
        if (document.Missing.Count > 0)
        {
            context.Response.Headers[MergedOpenApi.MissingHeader] = string.Join(", ", document.Missing);
        }
        return Results.Text(document.Json, "application/json; charset=utf-8");
    }
}
