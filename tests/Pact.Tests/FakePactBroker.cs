using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.Pact.Tests;

/// <summary>One request the fake broker received.</summary>
internal sealed record BrokerRequest(string Method, string Path, string? Authorization, string Body);

/// <summary>
/// Just enough of a Pact Broker's HAL API for pact_ffi's verifier: the index, "pb:provider-pacts-for-verification",
/// fetching a pact, and the relations used to publish verification results (branch version, results). Records every
/// request so tests can assert what the verifier sent.
/// </summary>
internal sealed class FakePactBroker : IAsyncDisposable
{
    private const string PactPath = "/pacts/provider/{provider}/consumer/{consumer}/pact-version/0123abcd";

    private readonly TinyHost _host;
    private readonly ConcurrentQueue<BrokerRequest> _requests;

    private FakePactBroker(TinyHost host, ConcurrentQueue<BrokerRequest> requests)
    {
        _host = host;
        _requests = requests;
    }

    public Uri BaseUrl => _host.BaseUrl;

    public IReadOnlyList<BrokerRequest> Requests => [.. _requests];

    /// <summary>Serves <paramref name="pactJson"/> as the only pact selected for verification.</summary>
    public static async Task<FakePactBroker> StartAsync(string pactJson)
    {
        var requests = new ConcurrentQueue<BrokerRequest>();
        var pact = JsonNode.Parse(pactJson)!.AsObject();
        var provider = pact["provider"]!["name"]!.GetValue<string>();
        var consumer = pact["consumer"]!["name"]!.GetValue<string>();
        var pactPath = PactPath.Replace("{provider}", provider, StringComparison.Ordinal).Replace("{consumer}", consumer, StringComparison.Ordinal);

        var host = await TinyHost.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                context.Request.EnableBuffering();
                using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
                var body = await reader.ReadToEndAsync();
                context.Request.Body.Position = 0;
                requests.Enqueue(new BrokerRequest(
                    context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.Headers.Authorization, body));
                await next(context);
            });

            app.MapGet("/", (HttpRequest request) => Hal(new JsonObject
            {
                ["_links"] = new JsonObject
                {
                    ["self"] = Link(Base(request)),
                    ["pb:provider-pacts-for-verification"] = Link(Base(request) + "/pacts/provider/{provider}/for-verification", templated: true),
                    ["pb:pacticipant-branch-version"] = Link(Base(request) + "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}", templated: true),
                    ["pb:pacticipant-version"] = Link(Base(request) + "/pacticipants/{pacticipant}/versions/{version}", templated: true),
                },
            }));

            // The verifier navigates to the relation first (GET), then POSTs its selectors to the resource's self link.
            app.MapGet($"/pacts/provider/{provider}/for-verification", (HttpRequest request) => Hal(new JsonObject
            {
                ["_links"] = new JsonObject { ["self"] = Link(Base(request) + request.Path) },
            }));

            app.MapPost($"/pacts/provider/{provider}/for-verification", (HttpRequest request) => Hal(new JsonObject
            {
                ["_embedded"] = new JsonObject
                {
                    ["pacts"] = new JsonArray(new JsonObject
                    {
                        ["shortDescription"] = "latest from main",
                        ["verificationProperties"] = new JsonObject
                        {
                            ["pending"] = false,
                            ["notices"] = new JsonArray(new JsonObject
                            {
                                ["when"] = "before_verification",
                                ["text"] = "The pact is verified because it is the latest from the main branch.",
                            }),
                        },
                        ["_links"] = new JsonObject { ["self"] = Link(Base(request) + pactPath, name: $"Pact between {consumer} and {provider}") },
                    }),
                },
                ["_links"] = new JsonObject { ["self"] = Link(Base(request) + request.Path) },
            }));

            app.MapGet(pactPath, (HttpRequest request) =>
            {
                var served = pact.DeepClone().AsObject();
                served["_links"] = new JsonObject
                {
                    ["self"] = Link(Base(request) + pactPath),
                    ["pb:publish-verification-results"] = Link(Base(request) + pactPath + "/verification-results"),
                    ["pb:provider"] = Link(Base(request) + $"/pacticipants/{provider}"),
                };
                return Hal(served);
            });

            app.MapPost(pactPath + "/verification-results", (HttpRequest request) => Hal(new JsonObject
            {
                ["_links"] = new JsonObject { ["self"] = Link(Base(request) + pactPath + "/verification-results/1") },
            }, StatusCodes.Status201Created));

            // Publishing with a provider branch: the verifier follows pb:provider, then PUTs to pb:branch-version.
            app.MapGet("/pacticipants/{pacticipant}", (string pacticipant, HttpRequest request) => Hal(new JsonObject
            {
                ["name"] = pacticipant,
                ["_links"] = new JsonObject
                {
                    ["self"] = Link(Base(request) + request.Path),
                    ["pb:branch-version"] = Link(Base(request) + $"/pacticipants/{pacticipant}/branches/{{branch}}/versions/{{version}}", templated: true),
                },
            }));

            app.MapPut("/pacticipants/{pacticipant}/branches/{branch}/versions/{version}", (HttpRequest request) =>
                Hal(new JsonObject { ["_links"] = new JsonObject { ["self"] = Link(Base(request) + request.Path) } }));

            app.MapFallback((HttpContext context) => Results.NotFound());
        });
        return new FakePactBroker(host, requests);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static string Base(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private static JsonObject Link(string href, bool templated = false, string? name = null)
    {
        var link = new JsonObject { ["href"] = href };
        if (templated)
        {
            link["templated"] = true;
        }

        if (name is not null)
        {
            link["name"] = name;
        }

        return link;
    }

    private static IResult Hal(JsonObject body, int status = StatusCodes.Status200OK) =>
        Results.Text(body.ToJsonString(), "application/hal+json", Encoding.UTF8, status);
}
