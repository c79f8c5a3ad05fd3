using System.Diagnostics;
using Dapr;
using Dapr.Actors;

namespace LedgerX.LocalDapr.Tests.Actors;

/// <summary>Calling actors through the local sidecar with the real SDK: turns, reentrancy, errors, tokens.</summary>
public sealed class ActorInvocationTests
{
    private static string NewId(string group = "") => (group.Length > 0 ? group + "_" : "") + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Twenty_concurrent_calls_to_one_actor_never_overlap()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string id = NewId();
        var proxy = env.Proxy(id);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => proxy.WorkAsync(15))));

        // At the app's door (before the SDK's own lock) and inside the actor: one turn at a time.
        Probe.Of("wire:" + id).MaxInside.ShouldBe(1);
        Probe.Of("wire:" + id).Count("enter").ShouldBe(20);
        var probe = Probe.Of(id);
        probe.MaxInside.ShouldBe(1);
        probe.Count("enter").ShouldBe(20);
        // Strict alternation: no turn started before the previous one ended.
        probe.Events.Where(e => e is "enter" or "exit").Chunk(2).ShouldAllBe(pair => pair[0] == "enter" && pair[1] == "exit");
    }

    [Fact]
    public async Task Different_actor_ids_run_concurrently()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string group = Guid.NewGuid().ToString("N");
        var watch = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => env.Proxy(NewId(group)).WorkAsync(400)));

        Probe.GroupOf(group + "_x").MaxInside.ShouldBeGreaterThan(1);
        Probe.GroupOf("wire:" + group + "_x").MaxInside.ShouldBeGreaterThan(1);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromMilliseconds(1600)); // one after the other takes at least 1600 ms
    }

    [Fact]
    public async Task Non_remoting_calls_carry_json_and_remoting_calls_return_results()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string id = NewId();

        (await env.JsonProxy(id).InvokeMethodAsync<string, string>("EchoAsync", "hello", TestContext.Current.CancellationToken)).ShouldBe("echo:hello");
        (await env.Proxy(id).EchoAsync("remote")).ShouldBe("echo:remote");
        env.App.TokensSeen.ShouldNotBeEmpty();
        env.App.TokensSeen.ShouldAllBe(t => t == ActorSidecarHost.AppApiToken);
    }

    [Fact]
    public async Task An_actor_exception_reaches_the_caller()
    {
        await using var env = await ActorEnvironment.StartAsync();

        var remoting = await Should.ThrowAsync<ActorMethodInvocationException>(() => env.Proxy(NewId()).FailAsync("boom-remoting"));
        remoting.ToString().ShouldContain("boom-remoting");

        // The SDK answers a failed non-remoting call with a bare 500; daprd turns that into ERR_ACTOR_INVOKE_METHOD.
        var json = await Should.ThrowAsync<DaprApiException>(() => env.JsonProxy(NewId()).InvokeMethodAsync("FailAsync", "boom-json", TestContext.Current.CancellationToken));
        json.ErrorCode.ShouldBe("ERR_ACTOR_INVOKE_METHOD");
        json.Message.ShouldContain("error from actor service: (500)");
    }

    [Fact]
    public async Task An_unknown_actor_type_fails_as_daprd_does()
    {
        await using var env = await ActorEnvironment.StartAsync();

        var error = await Should.ThrowAsync<DaprApiException>(() => env.Proxy(NewId(), "NoSuchActor").EchoAsync("x"));

        error.ErrorCode.ShouldBe("ERR_ACTOR_INVOKE_METHOD");
        error.Message.ShouldContain("did not find address for actor NoSuchActor");
    }

    [Fact]
    public async Task A_reentrant_call_chain_completes_when_reentrancy_is_enabled()
    {
        await using var env = await ActorEnvironment.StartAsync(new ActorAppSettings { Reentrancy = true, MaxStackDepth = 8 });
        string id = NewId();

        var depth = await env.Proxy(id).NestAsync(5).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        depth.ShouldBe(5);
        Probe.Of(id).MaxInside.ShouldBe(5);
    }

    [Fact]
    public async Task Reentrancy_is_bounded_by_max_stack_depth_and_other_callers_still_wait_their_turn()
    {
        await using var env = await ActorEnvironment.StartAsync(new ActorAppSettings { Reentrancy = true, MaxStackDepth = 3 });
        string id = NewId();

        // The fourth entry is refused by the sidecar; the SDK reports it to the caller as the actor's own failure.
        await Should.ThrowAsync<ActorMethodInvocationException>(() => env.Proxy(id).NestAsync(5).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Probe.Of(id).MaxInside.ShouldBe(3);

        // Outside callers each get a fresh reentrancy id, so they still take turns.
        string other = NewId();
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => env.Proxy(other).WorkAsync(20)));
        Probe.Of("wire:" + other).MaxInside.ShouldBe(1);
    }

    [Fact]
    public async Task Without_reentrancy_a_call_back_into_the_same_actor_waits_for_its_turn()
    {
        await using var env = await ActorEnvironment.StartAsync();

        // daprd deadlocks here too; the caller's timeout is what ends it.
        await Should.ThrowAsync<TimeoutException>(() => env.Proxy(NewId()).NestAsync(2).WaitAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
    }
}
