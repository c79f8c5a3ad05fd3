using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapr;
using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.Bindings;

/// <summary>
/// bindings.http against a real HTTP receiver on Kestrel, through both APIs, with components-contrib's rules: the path
/// metadata appended to the url, capitalised metadata keys as headers, status and headers back as metadata, a non-2xx
/// answer an error unless errorIfNot2XX is false, the response timeout and the response size limit.
/// </summary>
public sealed class HttpBindingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Post_sends_path_headers_and_body_and_returns_the_answer_with_status_and_headers()
    {
        await using var provider = await Provider();
        using var resources = new ResourceFolder().WithComponent("notify-sms", "bindings.http", ("url", $"http://127.0.0.1:{provider.Port}/v1/"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "notify-app", ResourcesPaths = [resources.Path] }, Ct);
        using var client = Clients.For(sidecar);

        var response = await client.InvokeBindingAsync(new BindingRequest("notify-sms", "post")
        {
            Data = Encoding.UTF8.GetBytes("""{"to":"+4915112345678","text":"Money in"}"""),
            Metadata = { ["path"] = "/sms", ["Idempotency-Key"] = "delivery-42", ["X-Channel"] = "sms", ["deliveryId"] = "not-a-header" },
        }, Ct);

        var received = (await provider.WaitForAsync(r => r.Path == "/v1/sms")).ShouldHaveSingleItem();
        received.Method.ShouldBe("POST");
        received.Body.ShouldBe("""{"to":"+4915112345678","text":"Money in"}""");
        received.Headers["idempotency-key"].ShouldBe("delivery-42");
        received.Headers["x-channel"].ShouldBe("sms");
        received.Headers.ShouldNotContainKey("deliveryid", "only metadata keys starting with a capital letter become headers");
        received.Headers.ShouldNotContainKey("path");
        received.ContentType.ShouldBe("application/json; charset=utf-8");
        received.Headers["accept"].ShouldBe("application/json; charset=utf-8");

        Encoding.UTF8.GetString(response.Data.Span).ShouldBe("""{"id":"msg-1"}""");
        response.Metadata["statusCode"].ShouldBe("202");
        response.Metadata["status"].ShouldBe("202 Accepted");
        response.Metadata["X-Provider-Id"].ShouldBe("p-1", "response headers, in Go's canonical form");
        response.Metadata["Content-Type"].ShouldStartWith("application/json");
    }

    [Fact]
    public async Task Create_is_post_and_get_sends_no_body_and_http_api_data_arrives_as_daprd_marshals_it()
    {
        await using var provider = await Provider();
        using var resources = new ResourceFolder().WithComponent("api", "bindings.http", ("url", $"http://127.0.0.1:{provider.Port}"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "notify-app", ResourcesPaths = [resources.Path] }, Ct);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };

        var created = await http.PostAsJsonAsync("/v1.0/bindings/api", new { operation = "create", data = new { to = "+1", n = 2 }, metadata = new { path = "push" } }, Ct);
        var text = await http.PostAsJsonAsync("/v1.0/bindings/api", new { operation = "put", data = "hello", metadata = new { path = "text" } }, Ct);
        var got = await http.PostAsJsonAsync("/v1.0/bindings/api", new { operation = "get", metadata = new { path = "status" } }, Ct);

        created.StatusCode.ShouldBe(HttpStatusCode.OK, "a binding's response, even an empty one, is 200");
        created.Headers.GetValues("Metadata.statusCode").ShouldBe(["202"]);
        (await provider.WaitForAsync(r => r.Path == "/push")).Single().Body.ShouldBe("""{"n":2,"to":"+1"}""", "Go's json.Marshal sorts the keys of data");
        text.StatusCode.ShouldBe(HttpStatusCode.OK);
        var put = (await provider.WaitForAsync(r => r.Path == "/text")).Single();
        put.Method.ShouldBe("PUT");
        put.Body.ShouldBe("\"hello\"", "daprd re-marshals data: a string arrives quoted");
        got.StatusCode.ShouldBe(HttpStatusCode.OK);
        var get = (await provider.WaitForAsync(r => r.Path == "/status")).Single();
        get.Method.ShouldBe("GET");
        get.Body.ShouldBeEmpty();
        get.ContentType.ShouldBeNull();
    }

    [Fact]
    public async Task A_non_2xx_answer_is_an_error_carrying_the_status_unless_errorIfNot2XX_is_false()
    {
        await using var provider = await Provider();
        using var resources = new ResourceFolder().WithComponent("notify-push", "bindings.http", ("url", $"http://127.0.0.1:{provider.Port}/fail"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "notify-app", ResourcesPaths = [resources.Path] }, Ct);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };
        using var client = Clients.For(sidecar);

        var failed = await http.PostAsJsonAsync("/v1.0/bindings/notify-push", new { operation = "post", data = new { } }, Ct);
        failed.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        failed.Headers.GetValues("Metadata.statusCode").ShouldBe(["503"], "daprd passes the binding's metadata along with the error");
        var error = JsonNode.Parse(await failed.Content.ReadAsStringAsync(Ct))!;
        error["errorCode"]!.GetValue<string>().ShouldBe("ERR_INVOKE_OUTPUT_BINDING");
        error["message"]!.GetValue<string>().ShouldBe("error invoking output binding notify-push: received status code 503");

        var grpc = await Should.ThrowAsync<DaprException>(() => client.InvokeBindingAsync(new BindingRequest("notify-push", "post") { Data = "{}"u8.ToArray() }, Ct));
        (grpc.InnerException?.Message ?? grpc.Message).ShouldContain("received status code 503");

        var tolerated = await client.InvokeBindingAsync(new BindingRequest("notify-push", "post") { Data = "{}"u8.ToArray(), Metadata = { ["errorIfNot2XX"] = "false" } }, Ct);
        tolerated.Metadata["statusCode"].ShouldBe("503");
        Encoding.UTF8.GetString(tolerated.Data.Span).ShouldBe("""{"error":"down"}""");
    }

    [Fact]
    public async Task A_slow_provider_times_out_and_a_long_answer_is_cut_at_the_size_limit()
    {
        await using var provider = await Provider();
        using var resources = new ResourceFolder()
            .WithComponent("slow", "bindings.http", ("url", $"http://127.0.0.1:{provider.Port}/slow"), ("responseTimeout", "300ms"))
            .WithComponent("big", "bindings.http", ("url", $"http://127.0.0.1:{provider.Port}/big"), ("maxResponseBodySize", "1Ki"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "notify-app", ResourcesPaths = [resources.Path] }, Ct);
        using var client = Clients.For(sidecar);

        var slow = await Should.ThrowAsync<DaprException>(() => client.InvokeBindingAsync(new BindingRequest("slow", "get"), Ct));
        (slow.InnerException?.Message ?? slow.Message).ShouldContain("context deadline exceeded");
        var big = await client.InvokeBindingAsync(new BindingRequest("big", "get"), Ct);
        big.Data.Length.ShouldBe(1024);
    }

    [Fact]
    public async Task The_security_token_from_the_secret_store_is_sent_as_the_configured_header()
    {
        await using var provider = await Provider();
        using var resources = new ResourceFolder()
            .With("secrets.json", """{"provider-token": "Bearer s3cret"}""")
            .With("secretstore.yaml", Yaml.Component("secretstore", "secretstores.local.file", ("secretsFile", "secrets.json")))
            .With("notify-sms.yaml", $$"""
                apiVersion: dapr.io/v1alpha1
                kind: Component
                metadata:
                  name: notify-sms
                spec:
                  type: bindings.http
                  version: v1
                  metadata:
                    - name: url
                      value: "http://127.0.0.1:{{provider.Port}}/sms"
                    - name: securityTokenHeader
                      value: Authorization
                    - name: securityToken
                      secretKeyRef: { name: provider-token }
                auth:
                  secretStore: secretstore
                """);
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "notify-app", ResourcesPaths = [resources.Path], WorkingDirectory = resources.Path }, Ct);
        using var client = Clients.For(sidecar);

        await client.InvokeBindingAsync(new BindingRequest("notify-sms", "post") { Data = "{}"u8.ToArray() }, Ct);

        (await provider.WaitForAsync(r => r.Path == "/sms")).Single().Headers["authorization"].ShouldBe("Bearer s3cret");
    }

    [Fact]
    public async Task The_callers_trace_context_reaches_the_provider()
    {
        await using var provider = await Provider();
        using var resources = new ResourceFolder().WithComponent("api", "bindings.http", ("url", $"http://127.0.0.1:{provider.Port}/traced"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "notify-app", ResourcesPaths = [resources.Path] }, Ct);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/bindings/api") { Content = JsonContent.Create(new { operation = "post", data = new { } }) };
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        (await http.SendAsync(request, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await provider.WaitForAsync(r => r.Path == "/traced")).Single().Headers["traceparent"].ShouldContain(traceId);
    }

    [Fact]
    public async Task Component_settings_contrib_refuses_stop_the_sidecar()
    {
        using var resources = new ResourceFolder().WithComponent("api", "bindings.http", ("url", "http://127.0.0.1:1"), ("maxResponseBodySize", "lots"));

        var failure = await Should.ThrowAsync<LedgerX.LocalDapr.Resources.ResourceException>(() => LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "notify-app", ResourcesPaths = [resources.Path] }, Ct));

        failure.Message.ShouldContain("invalid value for maxResponseBodySize");
    }

    /// <summary>A provider: 202 with an id and a header for sends, 503 on /fail, a 2 s delay on /slow, 4 KiB on /big.</summary>
    private static Task<SubscriberApp> Provider() => SubscriberApp.StartAsync((web, app) =>
        web.Map("{**path}", async (HttpContext context) =>
        {
            var received = await app.RecordAsync(context);
            switch (received.Path)
            {
                case "/fail":
                    return Results.Json(new { error = "down" }, statusCode: 503);
                case "/slow":
                    await Task.Delay(TimeSpan.FromSeconds(2), context.RequestAborted);
                    return Results.Ok();
                case "/big":
                    return Results.Text(new string('x', 4096));
                default:
                    context.Response.Headers["x-provider-id"] = "p-1";
                    return Results.Json(new { id = "msg-1" }, statusCode: 202);
            }
        }));
}
