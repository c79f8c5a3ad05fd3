using System.Text.Json;
using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Actors;

/// <summary>
/// Actors as @dapr/dapr 3.18 runs them (js/apps/actors/app.js): state through the actor state manager, one turn at
/// a time per actor, timers and reminders. Run once per backend (actor state in memory; in PostgreSQL).
/// </summary>
public abstract class ActorConformance(ActorAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private JsAppRun App => fixture.App;

    private string NewId(string what) => $"{what}-{fixture.Backend}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Actor_state_is_kept_between_calls_and_separate_per_actor()
    {
        string a = NewId("a"), b = NewId("b");

        (await CallAsync(a, "add", 5)).GetInt32().ShouldBe(5);
        (await CallAsync(a, "add", 3)).GetInt32().ShouldBe(8);
        (await CallAsync(b, "add", 1)).GetInt32().ShouldBe(1);

        (await CallAsync(a, "current", null)).GetInt32().ShouldBe(8);
    }

    [Fact]
    public async Task Calls_to_one_actor_never_overlap()
    {
        string id = NewId("turns");

        var result = await App.CallAsync("/control/parallel", new { id, calls = 4, ms = 150 }, Ct);

        result.GetProperty("maxInFlight").GetInt32().ShouldBe(1, App.Log);
    }

    [Fact]
    public async Task Timers_and_reminders_fire_until_they_are_unregistered()
    {
        string id = NewId("clock");
        (await CallAsync(id, "arm", null)).GetBoolean().ShouldBeTrue();

        await WaitForHitsAsync($"timer:{id}", 2);
        await WaitForHitsAsync($"reminder:{id}", 2);
        (await CallAsync(id, "disarm", null)).GetBoolean().ShouldBeTrue();
    }

    private async Task<JsonElement> CallAsync(string id, string method, object? arg) =>
        (await App.CallAsync("/control/call", new { id, method, arg }, Ct)).GetProperty("result");

    private async Task WaitForHitsAsync(string key, int atLeast)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if ((await App.CallAsync("/control/hits", new { key }, Ct)).GetProperty("count").GetInt32() >= atLeast)
            {
                return;
            }

            await Task.Delay(100, Ct);
        }

        throw new TimeoutException($"{key} fired fewer than {atLeast} times:\n{App.Log}");
    }
}

public sealed class ActorConformanceInMemory(ActorAppInMemory fixture) : ActorConformance(fixture), IClassFixture<ActorAppInMemory>;

public sealed class ActorConformancePostgresRedis(ActorAppPostgresRedis fixture) : ActorConformance(fixture), IClassFixture<ActorAppPostgresRedis>;
