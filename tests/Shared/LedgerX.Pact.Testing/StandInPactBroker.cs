using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.Pact.Testing;

/// <summary>
/// A Pact Broker for tests, on Kestrel (127.0.0.1, a free port), with state: no real broker can run on these machines.
/// It answers exactly what its two real clients ask, checked against them (pact_ffi 0.5.8's verifier and the Pact CLI
/// 18.1.2 that tools/contracts/pact-broker.sh runs):
/// <list type="bullet">
/// <item>the index (<c>GET /</c>) with the relations both use;</item>
/// <item>publishing (CLI <c>broker publish</c>): <c>POST /contracts/publish</c> with base64 pact content, consumer version,
/// branch, build URL;</item>
/// <item>verification (pact_ffi): <c>pb:provider-pacts-for-verification</c> (GET, then POST with the selectors), the
/// pacts themselves, <c>pb:provider</c> → <c>pb:branch-version</c> (PUT) and <c>pb:publish-verification-results</c> (POST);</item>
/// <item>can-i-deploy (CLI): <c>GET /matrix?q[][pacticipant]=…&amp;q[][version]=…&amp;latestby=cvpv&amp;environment=…</c>,
/// judged by <see cref="BrokerState.Matrix"/>;</item>
/// <item>record-deployment (CLI): <c>GET /pacticipants/{name}/versions/{version}</c>, then its <c>pb:record-deployment</c>
/// link for the environment (POST).</item>
/// </list>
/// Every request is recorded (<see cref="Requests"/>); one it does not know is answered 404 and listed in
/// <see cref="Unanswered"/>, so a test shows what a client asked for that the stand-in lacks.
/// </summary>
public sealed class StandInPactBroker : IAsyncDisposable
{
    /// <summary>The environments a fresh real broker has ('test' and 'production'), plus LedgerX's staging.</summary>
    public static readonly IReadOnlyList<string> DefaultEnvironments = ["test", "staging", "production"];

    private readonly WebApplication _app;
    private readonly BrokerState _state;
    private readonly ConcurrentQueue<BrokerRequest> _requests = new();

    private StandInPactBroker(WebApplication app, BrokerState state)
    {
        _app = app;
        _state = state;
    }

    /// <summary>The broker's address, without a trailing slash (as PACT_BROKER_BASE_URL is usually written).</summary>
    public string BaseUrl => _app.Urls.Single().TrimEnd('/');

    public IReadOnlyList<BrokerRequest> Requests => [.. _requests];

    /// <summary>The requests the stand-in does not know (answered 404).</summary>
    public IReadOnlyList<BrokerRequest> Unanswered => [.. _requests.Where(r => r.Status == StatusCodes.Status404NotFound)];

    public IReadOnlyList<PublishedPact> Pacts => _state.Pacts;

    public IReadOnlyList<VerificationResult> Verifications => _state.Verifications;

    public IReadOnlyList<Deployment> Deployments => _state.Deployments;

    public static async Task<StandInPactBroker> StartAsync(CancellationToken ct = default) => await StartAsync(DefaultEnvironments, ct);

    public static async Task<StandInPactBroker> StartAsync(IReadOnlyCollection<string> environments, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var broker = new StandInPactBroker(app, new BrokerState(environments));
        broker.Map(app);
        await app.StartAsync(ct);
        return broker;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    // Arranging state directly, for tests that need a broker which already knows something (the same rules as over HTTP).

    /// <summary>Publishes <paramref name="pactJson"/> (its consumer and provider names inside) as <paramref name="consumerVersion"/>.</summary>
    public PublishedPact Publish(string consumerVersion, string? branch, string pactJson)
    {
        var pact = JsonNode.Parse(pactJson)!;
        return _state.Publish(
            pact["consumer"]!["name"]!.GetValue<string>(), consumerVersion, branch, pact["provider"]!["name"]!.GetValue<string>(), pactJson, buildUrl: null);
    }

    /// <summary>Records that <paramref name="providerVersion"/> (on <paramref name="providerBranch"/>) verified the pact
    /// <paramref name="consumer"/> <paramref name="consumerVersion"/> published for <paramref name="provider"/>.</summary>
    public VerificationResult RecordVerification(
        string provider, string providerVersion, string? providerBranch, string consumer, string consumerVersion, bool success)
    {
        var pact = _state.PactOf(consumer, consumerVersion, provider)
            ?? throw new InvalidOperationException($"{consumer} {consumerVersion} published no pact with {provider}.");
        _state.AddVersion(provider, providerVersion, providerBranch);
        return _state.RecordVerification(pact, providerVersion, success, buildUrl: null);
    }

    /// <summary>Records a pacticipant version (on a branch), as a verification or a CI step would create it.</summary>
    public void AddVersion(string pacticipant, string version, string? branch) => _state.AddVersion(pacticipant, version, branch);

    public void RecordDeployment(string pacticipant, string version, string environment)
    {
        if (!_state.HasVersion(pacticipant, version))
        {
            throw new InvalidOperationException($"The broker has no version {version} of {pacticipant}.");
        }
        _state.RecordDeployment(pacticipant, version, environment);
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            context.Request.Body.Position = 0;
            await next(context);
            _requests.Enqueue(new BrokerRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? "",
                context.Request.Headers.Authorization.Count == 0 ? null : context.Request.Headers.Authorization.ToString(), body, context.Response.StatusCode));
        });

        app.MapGet("/", (HttpRequest request) => Hal(new JsonObject
        {
            ["_links"] = new JsonObject
            {
                ["self"] = Link(Url(request, "/")),
                ["pb:publish-contracts"] = Link(Url(request, "/contracts/publish")),
                ["pb:provider-pacts-for-verification"] = Link(Url(request, "/pacts/provider/{provider}/for-verification"), templated: true),
                ["pb:pacticipant"] = Link(Url(request, "/pacticipants/{pacticipant}"), templated: true),
                ["pb:pacticipant-version"] = Link(Url(request, "/pacticipants/{pacticipant}/versions/{version}"), templated: true),
                ["pb:pacticipant-branch-version"] = Link(Url(request, "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}"), templated: true),
            },
        }));

        app.MapPost("/contracts/publish", PublishContracts);

        // pact_ffi navigates to the relation (GET), then POSTs its selectors to the resource's self link.
        app.MapGet("/pacts/provider/{provider}/for-verification", (string provider, HttpRequest request) =>
            Hal(new JsonObject { ["_links"] = new JsonObject { ["self"] = Link(Url(request, $"/pacts/provider/{Segment(provider)}/for-verification")) } }));
        app.MapPost("/pacts/provider/{provider}/for-verification", PactsForVerification);

        app.MapGet("/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}", (string provider, string consumer, string sha, HttpRequest request) =>
        {
            if (_state.PactByContent(Unescape(provider), Unescape(consumer), sha) is not { } pact)
            {
                return NotFound($"no pact {sha} between {consumer} and {provider}");
            }
            var served = JsonNode.Parse(pact.Content)!.AsObject();
            served["_links"] = new JsonObject
            {
                ["self"] = Link(PactUrl(request, pact)),
                ["pb:publish-verification-results"] = Link(PactUrl(request, pact) + "/verification-results"),
                ["pb:provider"] = Link(Url(request, $"/pacticipants/{Segment(pact.Provider)}")),
                ["pb:consumer"] = Link(Url(request, $"/pacticipants/{Segment(pact.Consumer)}")),
            };
            return Hal(served);
        });

        app.MapPost("/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results", async (string provider, string consumer, string sha, HttpRequest request) =>
        {
            if (_state.PactByContent(Unescape(provider), Unescape(consumer), sha) is not { } pact)
            {
                return NotFound($"no pact {sha} between {consumer} and {provider}");
            }
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (body?["success"]?.GetValue<bool>() is not { } success || body["providerApplicationVersion"]?.GetValue<string>() is not { Length: > 0 } version)
            {
                return Problem(StatusCodes.Status400BadRequest, "A verification result needs success and providerApplicationVersion.");
            }
            var result = _state.RecordVerification(pact, version, success, body["buildUrl"]?.GetValue<string>());
            return Hal(new JsonObject
            {
                ["success"] = result.Success,
                ["providerApplicationVersion"] = result.ProviderVersion,
                ["_links"] = new JsonObject { ["self"] = Link(ResultUrl(request, pact, result)) },
            }, StatusCodes.Status201Created);
        });

        app.MapGet("/pacticipants/{pacticipant}", (string pacticipant, HttpRequest request) =>
        {
            var name = Unescape(pacticipant);
            return !_state.HasPacticipant(name)
                ? NotFound($"no pacticipant {name}")
                : Hal(new JsonObject
                {
                    ["name"] = name,
                    ["mainBranch"] = BrokerState.MainBranch,
                    ["_links"] = new JsonObject
                    {
                        ["self"] = Link(Url(request, $"/pacticipants/{Segment(name)}")),
                        ["pb:branch-version"] = Link(Url(request, $"/pacticipants/{Segment(name)}/branches/{{branch}}/versions/{{version}}"), templated: true),
                        ["pb:version"] = Link(Url(request, $"/pacticipants/{Segment(name)}/versions/{{version}}"), templated: true),
                    },
                });
        });

        app.MapPut("/pacticipants/{pacticipant}/branches/{branch}/versions/{version}", (string pacticipant, string branch, string version, HttpRequest request) =>
        {
            _state.AddVersion(Unescape(pacticipant), Unescape(version), Unescape(branch));
            return Hal(new JsonObject { ["_links"] = new JsonObject { ["self"] = Link(Url(request, request.Path.Value!)) } });
        });

        app.MapGet("/pacticipants/{pacticipant}/versions/{version}", (string pacticipant, string version, HttpRequest request) =>
        {
            var (name, number) = (Unescape(pacticipant), Unescape(version));
            if (!_state.HasVersion(name, number))
            {
                return NotFound($"no version {number} of {name}");
            }
            var versionUrl = Url(request, $"/pacticipants/{Segment(name)}/versions/{Segment(number)}");
            return Hal(new JsonObject
            {
                ["number"] = number,
                ["_links"] = new JsonObject
                {
                    ["self"] = Link(versionUrl),
                    ["pb:record-deployment"] = new JsonArray([.. _state.Environments.Select(e => (JsonNode)new JsonObject
                    {
                        ["name"] = e,
                        ["title"] = $"Record deployment to {e}",
                        ["href"] = $"{versionUrl}/deployed-versions/environment/{Segment(e)}",
                    })]),
                },
            });
        });

        app.MapPost("/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/{environment}",
            (string pacticipant, string version, string environment) =>
            {
                var (name, number, target) = (Unescape(pacticipant), Unescape(version), Unescape(environment));
                if (!_state.HasVersion(name, number) || !_state.Environments.Contains(target))
                {
                    return NotFound($"no version {number} of {name}, or no environment {target}");
                }
                _state.RecordDeployment(name, number, target);
                return Hal(new JsonObject { ["currentlyDeployed"] = true, ["_links"] = new JsonObject() }, StatusCodes.Status201Created);
            });

        app.MapGet("/matrix", Matrix);

        app.MapFallback(() => NotFound("the stand-in broker does not know this request"));
    }

    private async Task<IResult> PublishContracts(HttpRequest request)
    {
        var body = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        var consumer = body?["pacticipantName"]?.GetValue<string>();
        var version = body?["pacticipantVersionNumber"]?.GetValue<string>();
        if (consumer is null || version is null || body!["contracts"] is not JsonArray { Count: > 0 } contracts)
        {
            return Problem(StatusCodes.Status400BadRequest, "pacticipantName, pacticipantVersionNumber and contracts are required.");
        }
        var branch = body["branch"]?.GetValue<string>();
        var notices = new JsonArray();
        var links = new JsonArray();
        foreach (var contract in contracts.OfType<JsonObject>())
        {
            var content = Encoding.UTF8.GetString(Convert.FromBase64String(contract["content"]!.GetValue<string>()));
            var pact = _state.Publish(consumer, version, branch, contract["providerName"]!.GetValue<string>(), content, body["buildUrl"]?.GetValue<string>());
            notices.Add(new JsonObject { ["type"] = "success", ["text"] = $"Pact between {pact.Consumer} and {pact.Provider} published for version {version}{(branch is null ? "" : $" on branch {branch}")}." });
            links.Add(new JsonObject { ["href"] = PactUrl(request, pact), ["name"] = $"Pact between {pact.Consumer} and {pact.Provider}", ["title"] = "Pact" });
        }
        var versionUrl = Url(request, $"/pacticipants/{Segment(consumer)}/versions/{Segment(version)}");
        // The shape the CLI parses to print the notices (its Root type); with fields missing it prints nothing.
        return Hal(new JsonObject
        {
            ["notices"] = notices,
            ["logs"] = new JsonArray(),
            ["_embedded"] = new JsonObject
            {
                ["pacticipant"] = new JsonObject { ["name"] = consumer, ["_links"] = new JsonObject { ["self"] = Link(Url(request, $"/pacticipants/{Segment(consumer)}")) } },
                ["version"] = new JsonObject
                {
                    ["number"] = version,
                    ["_links"] = new JsonObject { ["self"] = new JsonObject { ["href"] = versionUrl, ["name"] = version, ["title"] = "Version" } },
                },
            },
            ["_links"] = new JsonObject
            {
                ["pb:contracts"] = links,
                ["pb:pacticipant"] = new JsonObject { ["href"] = Url(request, $"/pacticipants/{Segment(consumer)}"), ["name"] = consumer, ["title"] = "Pacticipant" },
                ["pb:pacticipant-version"] = new JsonObject { ["href"] = versionUrl, ["name"] = version, ["title"] = "Version" },
                ["pb:pacticipant-version-tags"] = new JsonArray(),
            },
        });
    }

    private async Task<IResult> PactsForVerification(string provider, HttpRequest request)
    {
        var body = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject ?? [];
        var providerBranch = body["providerVersionBranch"]?.GetValue<string>();
        var includePending = body["includePendingStatus"]?.GetValue<bool>() == true;
        var selectors = body["consumerVersionSelectors"] is JsonArray array
            ? array.OfType<JsonObject>().ToList()
            : [new JsonObject { ["mainBranch"] = true }];
        IReadOnlyList<SelectedPact> selected;
        try
        {
            selected = _state.SelectForVerification(Unescape(provider), selectors, providerBranch, includePending);
        }
        catch (NotSupportedException unsupported)
        {
            return Problem(StatusCodes.Status400BadRequest, $"The stand-in broker does not support {unsupported.Message}.");
        }

        var pacts = new JsonArray();
        foreach (var (pact, why, pending) in selected)
        {
            var notices = new JsonArray(
            [
                .. why.Select(w => (JsonNode)new JsonObject
                {
                    ["when"] = "before_verification",
                    ["text"] = $"The pact at {PactUrl(request, pact)} is being verified because it belongs to {w}.",
                }),
            ]);
            notices.Add(new JsonObject
            {
                ["when"] = "before_verification",
                ["text"] = pending
                    ? $"This pact is in pending state for this version of {pact.Provider}: no successful verification result has been published from {(providerBranch is null ? "any branch" : $"the branch '{providerBranch}'")} yet, so a failure will not fail the build."
                    : $"This pact is not pending for {pact.Provider}: a failure fails the build.",
            });
            pacts.Add(new JsonObject
            {
                ["shortDescription"] = string.Join("; ", why),
                ["verificationProperties"] = new JsonObject { ["pending"] = pending, ["notices"] = notices },
                ["_links"] = new JsonObject { ["self"] = Link(PactUrl(request, pact), name: $"Pact between {pact.Consumer} ({pact.ConsumerVersion}) and {pact.Provider}") },
            });
        }

        return Hal(new JsonObject
        {
            ["_embedded"] = new JsonObject { ["pacts"] = pacts },
            ["_links"] = new JsonObject { ["self"] = Link(Url(request, request.Path.Value!)) },
        });
    }

    private IResult Matrix(HttpRequest request)
    {
        var pacticipants = request.Query["q[][pacticipant]"];
        var versions = request.Query["q[][version]"];
        var environment = request.Query["environment"].ToString();
        // What pact-broker.sh asks: one pacticipant at one version, to an environment. Other questions (several
        // pacticipants, --latest, tags, --to) are not modelled: they are unknown requests.
        if (pacticipants.Count != 1 || versions.Count != 1 || environment.Length == 0 || request.Query.ContainsKey("q[][latest]"))
        {
            return NotFound("the stand-in's matrix answers one pacticipant version to one environment only");
        }

        var answer = _state.Matrix(pacticipants[0]!, versions[0]!, environment);
        var rows = new JsonArray();
        foreach (var row in answer.Rows)
        {
            rows.Add(new JsonObject
            {
                ["consumer"] = new JsonObject { ["name"] = row.Pact.Consumer, ["version"] = new JsonObject { ["number"] = row.Pact.ConsumerVersion } },
                ["provider"] = new JsonObject
                {
                    ["name"] = row.Pact.Provider,
                    ["version"] = row.ProviderVersion is null ? null : new JsonObject { ["number"] = row.ProviderVersion },
                },
                ["pact"] = new JsonObject { ["_links"] = new JsonObject { ["self"] = Link(PactUrl(request, row.Pact)) } },
                ["verificationResult"] = row.Result is not { } result ? null : new JsonObject
                {
                    ["success"] = result.Success,
                    ["_links"] = new JsonObject { ["self"] = Link(ResultUrl(request, row.Pact, result)) },
                },
            });
        }

        var notices = new JsonArray();
        foreach (var (type, texts) in new[] { ("error", answer.Errors), ("warning", answer.Unknowns), ("warning", answer.Warnings) })
        {
            foreach (var text in texts)
            {
                notices.Add(new JsonObject { ["type"] = type, ["text"] = text });
            }
        }
        if (answer.Deployable == true)
        {
            notices.Add(new JsonObject { ["type"] = "success", ["text"] = answer.Reason });
        }

        return Hal(new JsonObject
        {
            ["summary"] = new JsonObject
            {
                ["deployable"] = answer.Deployable,
                ["reason"] = answer.Reason,
                ["success"] = answer.Rows.Count(r => r.Result?.Success == true),
                ["failed"] = answer.Rows.Count(r => r.Result?.Success == false),
                ["unknown"] = answer.Rows.Count(r => r.Result is null),
            },
            ["notices"] = notices,
            ["matrix"] = rows,
        });
    }

    private static string Url(HttpRequest request, string path) => $"{request.Scheme}://{request.Host}{path}";

    private static string PactUrl(HttpRequest request, PublishedPact pact) =>
        Url(request, $"/pacts/provider/{Segment(pact.Provider)}/consumer/{Segment(pact.Consumer)}/pact-version/{pact.ContentSha}");

    private static string ResultUrl(HttpRequest request, PublishedPact pact, VerificationResult result) =>
        PactUrl(request, pact) + $"/verification-results/{result.Number}";

    private static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>Route values keep an escaped slash (<c>%2F</c>, e.g. a branch feature/x) escaped.</summary>
    private static string Unescape(string value) => Uri.UnescapeDataString(value);

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

    /// <summary>Quotes and apostrophes as written, so a recorded or printed answer reads as the text it carries.</summary>
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IResult Hal(JsonObject body, int status = StatusCodes.Status200OK) =>
        Results.Text(body.ToJsonString(Readable), "application/hal+json", Encoding.UTF8, status);

    private static IResult NotFound(string why) => Problem(StatusCodes.Status404NotFound, why);

    private static IResult Problem(int status, string detail) =>
        Results.Text(new JsonObject { ["status"] = status, ["detail"] = detail }.ToJsonString(Readable), "application/problem+json", Encoding.UTF8, status);
}
