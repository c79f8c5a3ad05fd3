using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;

namespace LedgerX.LocalDapr.Tests.State;

/// <summary>The HTTP forms of the APIs that apps without the SDK (curl, other languages) use.</summary>
public sealed class HttpStateAndBindingApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Http_transaction_bulk_get_and_binding_calls_behave_like_daprd()
    {
        using var resources = new ResourceFolder().WithComponent("statestore", "state.in-memory").WithComponent("files", "bindings.localstorage", ("rootPath", "out"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "http-app", ResourcesPaths = [resources.Path], WorkingDirectory = resources.Path }, Ct);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };

        var tx = await http.PostAsJsonAsync("/v1.0/state/statestore/transaction", new
        {
            operations = new object[]
            {
                new { operation = "upsert", request = new { key = "a", value = "one" } },
                new { operation = "upsert", request = new { key = "b", value = new { n = 2 } } },
            },
        }, Ct);
        tx.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var bulk = JsonNode.Parse(await (await http.PostAsJsonAsync("/v1.0/state/statestore/bulk", new { keys = new[] { "a", "b", "zz" } }, Ct)).Content.ReadAsStringAsync(Ct))!.AsArray();
        bulk[0]!["data"]!.GetValue<string>().ShouldBe("one");
        bulk[1]!["data"]!["n"]!.GetValue<int>().ShouldBe(2);
        bulk[2]!.AsObject().ContainsKey("data").ShouldBeFalse();

        var badOp = await http.PostAsJsonAsync("/v1.0/state/statestore/transaction", new { operations = new[] { new { operation = "merge", request = new { key = "a" } } } }, Ct);
        badOp.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var malformed = await http.PostAsync("/v1.0/state/statestore", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"), Ct);
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await malformed.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_MALFORMED_REQUEST");

        var created = await http.PostAsJsonAsync("/v1.0/bindings/files", new { operation = "create", data = "statement", metadata = new { fileName = "s.txt" } }, Ct);
        // daprd hands the binding `data` re-marshalled ("statement" with its quotes); localstorage unquotes it and
        // answers its create response {"fileName": ...} with 200.
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["fileName"]!.GetValue<string>().ShouldBe("s.txt");
        File.ReadAllText(Path.Combine(resources.Path, "out", "s.txt")).ShouldBe("statement");
        var deleted = await http.PostAsJsonAsync("/v1.0/bindings/files", new { operation = "delete", metadata = new { fileName = "s.txt" } }, Ct);
        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent, "a binding's nil response");
        var unknown = await http.PostAsJsonAsync("/v1.0/bindings/nope", new { operation = "create" }, Ct);
        unknown.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await unknown.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_INVOKE_OUTPUT_BINDING");
        var unsupported = await http.PostAsJsonAsync("/v1.0/bindings/files", new { operation = "post" }, Ct);
        (await unsupported.Content.ReadAsStringAsync(Ct)).ShouldContain("binding files does not support operation post. supported operations:create get list delete");
    }
}
