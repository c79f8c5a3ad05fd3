using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using LedgerX.LocalDapr.Hosting;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// With <c>APP_API_TOKEN</c> set, a service answers only its own sidecar (which sends the token as
/// <c>dapr-api-token</c>), except for the probe and scrape endpoints; without it, nothing changes.
/// </summary>
public sealed class AppApiTokenTests
{
    private const string Token = "app-token-4f1c9e";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-token")]
    [InlineData(Token + "x")]
    public async Task A_call_without_the_app_token_is_refused_before_any_endpoint_runs(string? presented)
    {
        await using var app = await SampleService.StartAsync(new Dictionary<string, string?> { ["APP_API_TOKEN"] = Token });
        using var client = app.GetTestClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/transfers") { Content = JsonContent.Create(new { amount = "not a number" }) };
        if (presented is not null)
        {
            request.Headers.TryAddWithoutValidation("dapr-api-token", presented);
        }

        using var response = await client.SendAsync(request, Ct);

        // 401, not the 400 the body would earn: nothing behind the guard ran.
        using var problem = await ProblemResponse.ReadAsync(response);
        problem.Status.ShouldBe(HttpStatusCode.Unauthorized, problem.Text);
        problem.Body.GetProperty("code").GetString().ShouldBe("app_token_required");
        problem.Body.GetProperty("header").GetString().ShouldBe("dapr-api-token");
    }

    [Fact]
    public async Task The_right_token_passes_and_probes_and_scrapers_need_none()
    {
        await using var app = await SampleService.StartAsync(new Dictionary<string, string?> { ["APP_API_TOKEN"] = Token });
        using var client = app.GetTestClient();

        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/ping");
        withToken.Headers.Add("dapr-api-token", Token);
        (await client.SendAsync(withToken, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/metrics", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        // /readyz answers (503: no sidecar here), never the token problem.
        (await client.GetAsync("/readyz", Ct)).StatusCode.ShouldNotBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Without_APP_API_TOKEN_nothing_is_required()
    {
        await using var app = await SampleService.StartAsync();
        using var client = app.GetTestClient();

        (await client.GetAsync("/ping", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task On_a_real_port_the_sidecars_call_works_and_a_direct_call_is_refused()
    {
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { ["APP_API_TOKEN"] = Token }, kestrel: true);
        await using var app = await SampleService.StartAsync(builder);
        var address = app.Address();
        string suffix = Guid.NewGuid().ToString("N")[..6];
        await using var sidecar = await LocalDaprSidecar.StartAsync(
            new SidecarOptions { AppId = "guarded-" + suffix, AppPort = address.Port, AppApiToken = Token, ApiToken = "sidecar-token", WaitForApp = false },
            Ct);
        using var http = new HttpClient();

        using var direct = await http.GetAsync(new Uri(address, "/ping"), Ct);
        direct.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var viaSidecar = new HttpRequestMessage(HttpMethod.Get, $"{sidecar.HttpEndpoint}/v1.0/invoke/{sidecar.AppId}/method/ping");
        viaSidecar.Headers.Add("dapr-api-token", "sidecar-token");
        using var answer = await http.SendAsync(viaSidecar, Ct);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync(Ct));
        (await answer.Content.ReadAsStringAsync(Ct)).ShouldBe("pong");
    }
}

/// <summary><c>AppApiToken:PublicPathPrefixes</c>: paths clients reach without the sidecar (notification-service's live
/// feed, which the gateway connects to directly because WebSockets cannot pass service invocation).</summary>
public sealed class AppApiTokenPublicPaths
{
    private const string Token = "app-token-4f1c9e";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_public_prefix_needs_no_app_token_and_every_other_path_still_does()
    {
        await using var app = await SampleService.StartAsync(new Dictionary<string, string?>
        {
            ["APP_API_TOKEN"] = Token,
            ["AppApiToken:PublicPathPrefixes:0"] = "/pi",
        });
        using var client = app.GetTestClient();

        // Whole segments only: /pi is public, /ping is not.
        (await client.GetAsync("/ping", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/pi/anything", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "past the guard: no such endpoint");
        (await client.GetAsync("/PI/anything", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "case-insensitive like routing");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("api/v1/live")]
    [InlineData("/api/../x")]
    public async Task A_prefix_that_would_open_more_than_it_names_stops_the_start(string prefix)
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => SampleService.StartAsync(new Dictionary<string, string?>
        {
            ["APP_API_TOKEN"] = Token,
            ["AppApiToken:PublicPathPrefixes:0"] = prefix,
        }));
        error.Message.ShouldContain("AppApiToken:PublicPathPrefixes");
    }
}
