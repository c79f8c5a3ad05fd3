using LedgerX.ServiceDefaults.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>Every service documents its HTTP API the same way: an OpenAPI document per API version at
/// <c>/openapi/{version}.json</c> and an interactive reference page at <c>/scalar/{version}</c>.</summary>
public static class ApiReferenceExtensions
{
    /// <summary>Adds the OpenAPI document, titled and described for the service's clients, with what every LedgerX service
    /// answers beyond its handlers (see <see cref="TruthfulOpenApi"/>) and how a caller authenticates (see
    /// <see cref="BearerSecurity"/>). <paramref name="versions"/> names one document per API version (default: only
    /// <c>v1</c>); an endpoint marked <c>WithGroupName(version)</c> appears only in that version's document, an unmarked
    /// one in all of them.</summary>
    public static TBuilder AddOpenApiDocument<TBuilder>(this TBuilder builder, string title, string description, params string[] versions)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        builder.Services.AddSingleton(new ApiTitle(title));
        foreach (var version in versions.Length == 0 ? ["v1"] : versions)
        {
            AddVersion(builder, version, title, description);
        }
        return builder;
    }

    private static void AddVersion(IHostApplicationBuilder builder, string version, string title, string description) =>
        builder.Services.AddOpenApi(version, options =>
        {
            options.AddOperationTransformer((operation, context, _) =>
            {
                BearerSecurity.RequireOnProtected(operation, context);
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Version = version;
                document.Info.Description = description;
                BearerSecurity.AddScheme(document);
                TruthfulOpenApi.Apply(document);
                return Task.CompletedTask;
            });
        });

    /// <summary>Maps the OpenAPI document and the reference page added by <see cref="AddOpenApiDocument{TBuilder}"/>.</summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var title = app.Services.GetRequiredService<ApiTitle>().Value;
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle($"{title} API"));
        return app;
    }

    private sealed record ApiTitle(string Value);
}
