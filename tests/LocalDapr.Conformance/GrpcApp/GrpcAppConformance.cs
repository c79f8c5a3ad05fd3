using System.Text.Json;
using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.GrpcApp;

/// <summary>
/// An <c>appProtocol: grpc</c> app as @dapr/dapr 3.18's gRPC <c>DaprServer</c> serves it (js/apps/grpc/app.js): the
/// sidecar calls its <c>AppCallback</c> service (OnInvoke for invocation from HTTP and gRPC callers,
/// ListTopicSubscriptions at start, OnTopicEvent per message with routing rules and DROP to the dead-letter topic).
/// Run once per backend.
/// </summary>
public abstract class GrpcAppConformance(GrpcAppFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private JsAppRun App => fixture.App;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_method_is_invoked_through_OnInvoke_with_its_data_and_content_type(bool grpc)
    {
        var answer = await App.CallAsync("/control/invoke", new { grpc, method = "echo", data = new { n = 7, backend = fixture.Backend.ToString() } }, Ct);

        answer.GetProperty("failed").GetBoolean().ShouldBeFalse($"{answer}\n{App.Log}");
        var result = answer.GetProperty("result");
        result.GetProperty("body").GetProperty("n").GetInt32().ShouldBe(7);
        result.GetProperty("body").GetProperty("backend").GetString().ShouldBe(fixture.Backend.ToString());
        result.GetProperty("contentType").GetString()!.ShouldStartWith("application/json");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_grpc_error_of_the_app_reaches_grpc_callers_as_is_and_http_callers_as_its_http_status(bool grpc)
    {
        var answer = await App.CallAsync("/control/invoke", new { grpc, method = "frozen", data = new { } }, Ct);

        answer.GetProperty("failed").GetBoolean().ShouldBeTrue(answer.ToString());
        if (grpc)
        {
            answer.GetProperty("code").GetInt32().ShouldBe(9, answer.ToString());
            answer.GetProperty("message").GetString()!.ShouldContain("account frozen");
        }
        else
        {
            // daprd's HTTPStatusFromCode: FailedPrecondition is 400 (deliberately not 412).
            answer.GetProperty("status").GetInt32().ShouldBe(400, answer.ToString());
        }
    }

    [Fact]
    public async Task Subscriptions_from_ListTopicSubscriptions_receive_published_events()
    {
        string id = NewId();
        await PublishAsync("g-orders", new { id, amount = 12 });

        var received = await WaitForDataAsync("g-orders", id);
        received.GetProperty("data").GetProperty("amount").GetInt32().ShouldBe(12);
    }

    [Fact]
    public async Task Routing_rules_pick_the_path_OnTopicEvent_is_called_with()
    {
        string big = NewId(), small = NewId();
        await PublishAsync("g-routed", new { id = big, size = "big" });
        await PublishAsync("g-routed", new { id = small, size = "small" });

        await WaitForDataAsync("g-routed-big", big);
        await WaitForDataAsync("g-routed-small", small);
        (await HandlerDataAsync("g-routed-big")).ShouldNotContain(d => Id(d) == small);
    }

    [Fact]
    public async Task A_dropped_event_goes_to_the_dead_letter_topic()
    {
        string id = NewId();
        await PublishAsync("g-doomed", new { id });

        await WaitForDataAsync("g-doomed", id);
        await WaitForDataAsync("g-doomed-dead", id);
    }

    private static string? Id(JsonElement received) =>
        received.GetProperty("data") is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("id", out var v) ? v.GetString() : null;

    private string NewId() => $"{fixture.Backend}-{Guid.NewGuid():N}";

    private async Task PublishAsync(string topic, object data)
    {
        var result = await App.CallAsync("/control/publish", new { topic, data }, Ct);
        result.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null, result.ToString());
    }

    private async Task<List<JsonElement>> HandlerDataAsync(string handler) =>
        [.. (await App.CallAsync("/control/received", new { handler }, Ct)).EnumerateArray()];

    private async Task<JsonElement> WaitForDataAsync(string handler, string id)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if ((await HandlerDataAsync(handler)).FirstOrDefault(d => Id(d) == id) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            await Task.Delay(100, Ct);
        }

        throw new TimeoutException($"handler {handler} never got {id}:\n{App.Log}");
    }
}

public sealed class GrpcAppConformanceInMemory(GrpcAppInMemory fixture) : GrpcAppConformance(fixture), IClassFixture<GrpcAppInMemory>;

public sealed class GrpcAppConformancePostgresRedis(GrpcAppPostgresRedis fixture) : GrpcAppConformance(fixture), IClassFixture<GrpcAppPostgresRedis>;
