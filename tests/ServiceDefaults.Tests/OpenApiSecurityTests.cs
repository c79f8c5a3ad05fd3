using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>The shared OpenAPI document says how to authenticate: a bearer scheme, required on exactly the operations
/// that ask for authorization, with the permissions they need as scopes.</summary>
public sealed class OpenApiSecurityTests
{
    [Fact]
    public async Task TheDocument_DeclaresAnHttpBearerJwtScheme()
    {
        var document = await DocumentAsync();

        var scheme = document["components"]!["securitySchemes"]!["Bearer"]!;
        ((string?)scheme["type"]).ShouldBe("http");
        ((string?)scheme["scheme"]).ShouldBe("bearer");
        ((string?)scheme["bearerFormat"]).ShouldBe("JWT");
    }

    [Fact]
    public async Task AnOperationWithAPermission_RequiresTheBearerScheme_WithThePermissionAsScope()
    {
        var document = await DocumentAsync();

        Requirements(document, "/accounts", "post").ShouldBe(["Bearer: ledger:write"]);
        Requirements(document, "/whoami", "get").ShouldBe(["Bearer: ledger:read"]);
    }

    [Fact]
    public async Task AnOperationNeedingOnlyAToken_RequiresTheBearerScheme_WithoutScopes()
    {
        var document = await DocumentAsync();

        Requirements(document, "/me", "get").ShouldBe(["Bearer: "]);
    }

    [Fact]
    public async Task AnonymousOperations_RequireNothing()
    {
        var document = await DocumentAsync();

        Requirements(document, "/ping", "get").ShouldBeEmpty();
        Requirements(document, "/public", "get").ShouldBeEmpty("AllowAnonymous wins over the group's authorization");
        ((JsonObject?)document["security"]).ShouldBeNull("no requirement applies to the whole API");
        foreach (var (path, item) in (JsonObject)document["paths"]!)
        {
            if (path.StartsWith("/health", StringComparison.Ordinal) || path.StartsWith("/metrics", StringComparison.Ordinal))
            {
                foreach (var (method, _) in (JsonObject)item!)
                {
                    Requirements(document, path, method).ShouldBeEmpty(path);
                }
            }
        }
    }

    /// <summary>Each requirement of the operation as "scheme: scope scope".</summary>
    private static List<string> Requirements(JsonObject document, string path, string method)
    {
        var operation = document["paths"]![path]![method]!;
        return ((JsonArray?)operation["security"] ?? [])
            .SelectMany(requirement => ((JsonObject)requirement!).Select(scheme =>
                $"{scheme.Key}: {string.Join(' ', ((JsonArray)scheme.Value!).Select(s => (string?)s))}"))
            .ToList();
    }

    private static async Task<JsonObject> DocumentAsync()
    {
        using var tokens = new TestTokens();
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { ["Auth:Issuer"] = TestTokens.Issuer });
        builder.AddLedgerXAuthentication();
        builder.Services.AddSingleton<IJwksSource>(tokens);
        builder.AddOpenApiDocument("sample", "A service with protected and anonymous operations.");
        await using var app = builder.Build();
        app.UseServiceDefaults();
        app.UseLedgerXAuthentication();
        app.MapDefaultEndpoints();
        app.MapApiReference();
        app.MapGet("/ping", () => "pong");
        app.MapGet("/whoami", (HttpContext http) => TypedResults.Ok(http.User.SubjectId())).RequirePermission(Permissions.LedgerRead);
        app.MapPost("/accounts", () => TypedResults.Created("/accounts/1")).RequirePermission(Permissions.LedgerWrite);
        var me = app.MapGroup("/").RequireAuthorization();
        me.MapGet("/me", (HttpContext http) => TypedResults.Ok(http.User.SubjectId()));
        me.MapGet("/public", () => "hello").AllowAnonymous();
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = app.GetTestClient();
        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json", TestContext.Current.CancellationToken);
        await app.StopAsync(TestContext.Current.CancellationToken);
        return document!;
    }
}
