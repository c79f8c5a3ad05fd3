using LedgerX.Gateway.Api.OpenApi;
using LedgerX.Gateway.Api.Routing;
using LedgerX.Pact;

namespace LedgerX.Contracts.ConsumerTests.Gateway;

/// <summary>
/// gateway → each service: <c>GET /openapi/v1.json</c>, fetched by <see cref="UpstreamOpenApiClient"/> (the class the
/// gateway uses, through its sidecar there and against the Pact mock server here) and merged by
/// <see cref="OpenApiMerger"/>. Declared is only what the merge relies on: an object with <c>paths</c>, holding the
/// service's v1 paths with their operations and responses. One path per service stands for the rest.
/// </summary>
public sealed class UpstreamOpenApiContract
{
    public static TheoryData<string, string> Services => new()
    {
        { Participants.TransactionService, "/api/v1/accounts" },
        { Participants.AuthService, "/api/v1/users/me" },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task TheServicesDocument_GivesTheMergeItsPaths(string provider, string path)
    {
        var pact = Pacts.New(Pacts.GatewayOnServices.Single(pair => pair.Provider == provider));
        pact.UponReceiving($"a request for {provider}'s OpenAPI v1 document")
            .Given($"{provider} documents its API")
            .WithRequest("GET", "/openapi/v1.json")
            .WillRespond()
            .WithStatus(200)
            .WithJsonBody(new
            {
                openapi = Match.Regex("3.1.1", "^3\\.[0-9]+\\.[0-9]+$"),
                paths = new Dictionary<string, object>
                {
                    [path] = new { get = new { responses = Match.Type(new Dictionary<string, object>()) } },
                },
            });

        await pact.VerifyAsync(async uri =>
        {
            using var http = new HttpClient();
            var client = new UpstreamOpenApiClient(http, new SidecarEndpoint(uri, ApiToken: null));

            var document = (await client.FetchAsync(provider, "v1", CancellationToken.None)).ShouldNotBeNull();
            var merged = OpenApiMerger.Merge("v1", [new UpstreamDocument(provider, document)], []);

            merged["paths"]!.AsObject().Select(p => p.Key).ShouldContain(path);
            merged["paths"]![path]!["get"]![OpenApiMerger.UpstreamExtension]!.GetValue<string>().ShouldBe(provider);
        });
    }
}
