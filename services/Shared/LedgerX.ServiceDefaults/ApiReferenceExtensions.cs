using LedgerX.ServiceDefaults.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>Every service documents its HTTP API the same way: an OpenAPI document at <c>/openapi/v1.json</c> and an
/// interactive reference page at <c>/scalar/v1</c>.</summary>
public static class ApiReferenceExtensions
{
    /// <summary>Adds the OpenAPI document, titled and described for the service's clients, with what every LedgerX service
    /// answers beyond its handlers (see <see cref="TruthfulOpenApi"/>) and how a caller authenticates (see
    /// <see cref="BearerSecurity"/>). A service with several API versions calls it once per version: each
    /// <paramref name="documentName"/> (v1, v2) is a document at <c>/openapi/{documentName}.json</c> listing the endpoints
    /// whose group name it is (<c>WithGroupName</c>), plus those with none.</summary>
    public static TBuilder AddOpenApiDocument<TBuilder>(this TBuilder builder, string title, string description, string documentName = "v1")
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        builder.Services.AddSingleton(new ApiTitle(title));
        builder.Services.AddOpenApi(documentName, options =>
        {
            options.AddOperationTransformer((operation, context, _) =>
            {
                BearerSecurity.RequireOnProtected(operation, context);
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Description = description;
                BearerSecurity.AddScheme(document);
                TruthfulOpenApi.Apply(document);
                return Task.CompletedTask;
            });
        });
        return builder;
    }

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
