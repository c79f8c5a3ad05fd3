using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.Invocation;

public sealed record Quote(string Currency, long AmountMinor);

public sealed class InvocationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Invoke_goes_through_the_target_sidecar_with_caller_and_callee_headers()
    {
        await using var env = await TwoApps.StartAsync((web, app) =>
            web.MapPost("/quotes/{id}", async (HttpContext c, string id) =>
            {
                await app.RecordAsync(c);
                return Results.Json(new Quote("EUR", 100 + id.Length));
            }));

        Quote result;
        using (new Activity("call").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            // Obsolete in the SDK but still used by apps; the sidecar must keep serving it.
#pragma warning disable CS0618
            result = await env.CallerClient.InvokeMethodAsync<Quote, Quote>(env.CalleeId, "quotes/abc?verbose=true", new Quote("EUR", 1), Ct);
#pragma warning restore CS0618
        }

        result.ShouldBe(new Quote("EUR", 103));
        var received = env.App.Received.Single();
        received.Method.ShouldBe("POST");
        received.Path.ShouldBe("/quotes/abc");
        received.Headers["dapr-caller-app-id"].ShouldBe(env.CallerId);
        received.Headers["dapr-callee-app-id"].ShouldBe(env.CalleeId);
        received.Headers["traceparent"].ShouldStartWith("00-");
        received.Body.ShouldContain("\"currency\":\"EUR\"");
    }

    [Fact]
    public async Task Invoke_http_client_rewrites_app_urls_and_forwards_verb_query_and_status()
    {
        await using var env = await TwoApps.StartAsync((web, app) =>
        {
            web.MapGet("/accounts/{id}", async (HttpContext c, string id) =>
            {
                await app.RecordAsync(c);
                return id == "missing" ? Results.NotFound() : Results.Json(new { id, q = c.Request.Query["page"].ToString() });
            });
            web.MapDelete("/accounts/{id}", () => Results.NoContent());
        });
        using var http = DaprClient.CreateInvokeHttpClient(env.CalleeId, env.Caller.HttpEndpoint);

        var json = await http.GetFromJsonAsync<Dictionary<string, string>>("/accounts/a1?page=2", Ct);
        json!["id"].ShouldBe("a1");
        json["q"].ShouldBe("2");
        (await http.GetAsync("/accounts/missing", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.DeleteAsync("/accounts/a1", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_204_keeps_the_callers_connection_open_for_its_next_request()
    {
        await using var env = await TwoApps.StartAsync((web, _) =>
        {
            web.MapDelete("/accounts/{id}", () => Results.NoContent());
            web.MapGet("/accounts/{id}", (string id) => Results.Json(new { id }));
        });
        var endpoint = new Uri(env.Caller.HttpEndpoint);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port, Ct);
        await using var stream = tcp.GetStream();

        // Two requests on one keep-alive connection, as a proxy's connection pool sends them: the second must be answered.
        var requests = $"DELETE /v1.0/invoke/{env.CalleeId}/method/accounts/a1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n" +
                       $"GET /v1.0/invoke/{env.CalleeId}/method/accounts/a2 HTTP/1.1\r\nHost: x\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(requests), Ct);

        var received = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        while (!received.ToString().Contains("\"a2\"", StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, patience.Token);
            read.ShouldBeGreaterThan(0, $"the sidecar closed the connection after: {received}");
            received.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        }

        received.ToString().ShouldStartWith("HTTP/1.1 204");
        received.ToString().ShouldContain("HTTP/1.1 200");
    }

    [Fact]
    public async Task Unknown_app_is_the_daprd_direct_invoke_error()
    {
        await using var env = await TwoApps.StartAsync((_, _) => { });
#pragma warning disable CS0618 // Obsolete in the SDK but still used by apps.
        var error = await Should.ThrowAsync<InvocationException>(() => env.CallerClient.InvokeMethodAsync<string>(HttpMethod.Get, "no-such-app", "x", Ct));
#pragma warning restore CS0618
        error.Response!.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        string body = await error.Response.Content.ReadAsStringAsync(Ct);
        body.ShouldContain("ERR_DIRECT_INVOKE");
        body.ShouldContain("no-such-app");
    }

    [Fact]
    public async Task Resiliency_retries_server_errors_for_the_target_app()
    {
        int calls = 0;
        await using var env = await TwoApps.StartAsync(
            (web, _) => web.MapGet("/flaky", () => Interlocked.Increment(ref calls) < 3 ? Results.StatusCode(503) : Results.Ok("ok")),
            callee => $$"""
                apiVersion: dapr.io/v1alpha1
                kind: Resiliency
                metadata:
                  name: invoke
                spec:
                  policies:
                    retries:
                      quick: { policy: constant, duration: 10ms, maxRetries: 3 }
                  targets:
                    apps:
                      {{callee}}: { retry: quick }
                """);
        using var http = DaprClient.CreateInvokeHttpClient(env.CalleeId, env.Caller.HttpEndpoint);

        (await http.GetAsync("/flaky", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        calls.ShouldBe(3);
    }

    [Fact]
    public async Task Resiliency_timeout_and_circuit_breaker_stop_calls_to_a_failing_app()
    {
        int calls = 0;
        await using var env = await TwoApps.StartAsync(
            (web, _) =>
            {
                web.MapGet("/slow", async (HttpContext c) =>
                {
                    await Task.Delay(10_000, c.RequestAborted);
                    return Results.Ok();
                });
                web.MapGet("/broken", () =>
                {
                    Interlocked.Increment(ref calls);
                    return Results.StatusCode(500);
                });
            },
            callee => $$"""
                apiVersion: dapr.io/v1alpha1
                kind: Resiliency
                metadata:
                  name: invoke
                spec:
                  policies:
                    timeouts:
                      # Generous enough that the /broken calls below never time out on a loaded CI machine.
                      short: 1s
                    circuitBreakers:
                      cb: { maxRequests: 1, timeout: 30s, trip: consecutiveFailures > 1 }
                  targets:
                    apps:
                      {{callee}}: { timeout: short, circuitBreaker: cb }
                """);
        using var http = DaprClient.CreateInvokeHttpClient(env.CalleeId, env.Caller.HttpEndpoint);

        var stopwatch = Stopwatch.StartNew();
        (await http.GetAsync("/slow", Ct)).StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        stopwatch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));

        (await http.GetAsync("/broken", Ct)).StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        var open = await http.GetAsync("/broken", Ct);
        open.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await open.Content.ReadAsStringAsync(Ct)).ShouldContain("circuit breaker");
        calls.ShouldBe(1);
    }

    [Fact]
    public async Task The_dapr_app_id_header_and_basic_auth_forms_address_an_invocation_on_any_path()
    {
        await using var env = await TwoApps.StartAsync((web, app) =>
            web.MapPost("/orders/{id}/confirm", async (HttpContext c, string id) =>
            {
                await app.RecordAsync(c);
                return Results.Text($"confirmed {id}");
            }));
        using var http = new HttpClient();

        using var byHeader = new HttpRequestMessage(HttpMethod.Post, $"{env.Caller.HttpEndpoint}/orders/o-1/confirm?x=1") { Content = new StringContent("{}") };
        byHeader.Headers.TryAddWithoutValidation("dapr-app-id", env.CalleeId);
        var response = await http.SendAsync(byHeader, Ct);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("confirmed o-1");

        using var byBasicAuth = new HttpRequestMessage(HttpMethod.Post, $"{env.Caller.HttpEndpoint}/orders/o-2/confirm") { Content = new StringContent("{}") };
        byBasicAuth.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"dapr-app-id:{env.CalleeId}")));
        (await (await http.SendAsync(byBasicAuth, Ct)).Content.ReadAsStringAsync(Ct)).ShouldBe("confirmed o-2");

        var first = env.App.Received[0];
        first.Path.ShouldBe("/orders/o-1/confirm");
        first.Headers["dapr-caller-app-id"].ShouldBe(env.CallerId);
        first.Headers.Keys.ShouldNotContain("dapr-app-id");
        env.App.Received[1].Headers.Keys.ShouldNotContain("authorization");
    }

    [Fact]
    public async Task A_path_that_names_no_app_is_daprs_404_ERR_DIRECT_INVOKE_json()
    {
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "lost-" + Guid.NewGuid().ToString("N")[..6] }, Ct);
        using var http = new HttpClient();

        foreach (string path in new[] { "/v1.0/invoke/someapp/notmethod/x", "/orders/1" })
        {
            var response = await http.GetAsync(sidecar.HttpEndpoint + path, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
            body["errorCode"]!.GetValue<string>().ShouldBe("ERR_DIRECT_INVOKE");
            body["message"]!.GetValue<string>().ShouldBe("failed getting app id either from the URL path or the header dapr-app-id");
        }
    }

    [Fact]
    public async Task Only_a_sidecar_can_claim_a_caller_app_id_with_the_hop_header()
    {
        await using var env = await TwoApps.StartAsync((web, app) =>
            web.MapGet("/whoami", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Text(c.Request.Headers["dapr-caller-app-id"].ToString());
            }));
        using var http = new HttpClient();

        // An app (or anything on loopback) posing as another app's sidecar, to either sidecar.
        foreach (var sidecar in new[] { env.Callee, env.Caller })
        {
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, $"{sidecar.HttpEndpoint}/v1.0/invoke/{env.CalleeId}/method/whoami");
            spoofed.Headers.TryAddWithoutValidation("x-localdapr-forwarded-by", "payments-admin");
            spoofed.Headers.TryAddWithoutValidation("x-localdapr-hop-token", "guessed");
            var refused = await http.SendAsync(spoofed, Ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await refused.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_DIRECT_INVOKE");
        }

        env.App.Received.ShouldBeEmpty();

        // The real hop still works, and the app sees neither hop header.
        var response = await http.GetAsync($"{env.Caller.HttpEndpoint}/v1.0/invoke/{env.CalleeId}/method/whoami", Ct);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe(env.CallerId);
        var received = env.App.Received.Single();
        received.Headers.Keys.ShouldNotContain("x-localdapr-forwarded-by");
        received.Headers.Keys.ShouldNotContain("x-localdapr-hop-token");
    }

    /// <summary>A callee app behind its sidecar and a caller sidecar (no app), both in this process.</summary>
    private sealed class TwoApps : IAsyncDisposable
    {
        private readonly ResourceFolder _resources;

        private TwoApps(ResourceFolder resources, SubscriberApp app, LocalDaprSidecar callee, LocalDaprSidecar caller, string calleeId, string callerId)
        {
            _resources = resources;
            App = app;
            Callee = callee;
            Caller = caller;
            CalleeId = calleeId;
            CallerId = callerId;
            CallerClient = Clients.For(caller);
        }

        public SubscriberApp App { get; }

        public LocalDaprSidecar Callee { get; }

        public LocalDaprSidecar Caller { get; }

        public string CalleeId { get; }

        public string CallerId { get; }

        public DaprClient CallerClient { get; }

        public static async Task<TwoApps> StartAsync(Action<WebApplication, SubscriberApp> map, Func<string, string>? callerResiliency = null)
        {
            string suffix = Guid.NewGuid().ToString("N")[..8];
            string calleeId = "accounts-" + suffix;
            string callerId = "gateway-" + suffix;
            var resources = new ResourceFolder();
            if (callerResiliency is not null)
            {
                resources.With("resiliency.yaml", callerResiliency(calleeId));
            }

            var app = await SubscriberApp.StartAsync(map);
            var callee = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = calleeId, AppPort = app.Port }, TestContext.Current.CancellationToken);
            var caller = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = callerId, ResourcesPaths = [resources.Path] }, TestContext.Current.CancellationToken);
            return new TwoApps(resources, app, callee, caller, calleeId, callerId);
        }

        public async ValueTask DisposeAsync()
        {
            CallerClient.Dispose();
            await Caller.DisposeAsync();
            await Callee.DisposeAsync();
            await App.DisposeAsync();
            _resources.Dispose();
        }
    }
}
