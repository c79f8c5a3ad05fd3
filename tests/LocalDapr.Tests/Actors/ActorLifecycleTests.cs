using System.Net;

namespace LedgerX.LocalDapr.Tests.Actors;

/// <summary>Timers, reminders, actor state with TTL and idle deactivation through the local sidecar (in-memory store).</summary>
public sealed class ActorLifecycleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_timer_fires_periodically_and_stops_when_unregistered()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string id = NewId();
        var proxy = env.Proxy(id);

        await proxy.StartTimerAsync("tick", 0, 100);
        (await Probe.Of(id).WaitForAsync(p => p.Count("timer:tick") >= 3, Patience)).ShouldBeTrue();
        await proxy.StopTimerAsync("tick");
        int fired = Probe.Of(id).Count("timer:tick");
        await Task.Delay(400, TestContext.Current.CancellationToken);

        Probe.Of(id).Count("timer:tick").ShouldBe(fired);
    }

    [Fact]
    public async Task A_reminder_with_repetitions_fires_that_many_times_with_its_data()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string id = NewId();

        // The SDK sends repetitions in ISO 8601 form (R2/PT1S) and refuses sub-second periods with them.
        await env.Proxy(id).StartReminderAsync("twice", 50, 1000, 2);

        (await Probe.Of(id).WaitForAsync(p => p.Count("reminder:twice") >= 2, Patience)).ShouldBeTrue();
        await Task.Delay(1200, TestContext.Current.CancellationToken);
        Probe.Of(id).Count("reminder:twice:payload-twice").ShouldBe(2);
        (await env.Sidecar.Actors.GetReminderAsync(ActorApp.ActorType, id, "twice", TestContext.Current.CancellationToken)).ShouldBeNull();
    }

    [Fact]
    public async Task A_reminder_registered_over_http_in_iso_8601_form_fires_with_its_repetitions()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string id = NewId();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("dapr-api-token", ActorSidecarHost.ApiToken);
        string data = Convert.ToBase64String("payload-iso"u8.ToArray());

        using var created = await http.PutAsync(
            $"{env.Sidecar.Endpoint}//v1.0/actors/{ActorApp.ActorType}/{id}/reminders/iso",
            new StringContent($$"""{"dueTime":"PT0.1S","period":"R2/PT0.2S","data":"{{data}}"}"""),
            TestContext.Current.CancellationToken);

        created.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Probe.Of(id).WaitForAsync(p => p.Count("reminder:iso") >= 2, Patience)).ShouldBeTrue();
        await Task.Delay(400, TestContext.Current.CancellationToken);
        Probe.Of(id).Count("reminder:iso:payload-iso").ShouldBe(2);
    }

    [Fact]
    public async Task A_reminder_stops_firing_when_its_ttl_ends()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string id = NewId();

        await env.Proxy(id).StartExpiringReminderAsync("brief", 100, 450);

        (await Probe.Of(id).WaitForAsync(p => p.Count("reminder:brief") >= 2, Patience)).ShouldBeTrue();
        await Task.Delay(600, TestContext.Current.CancellationToken);
        int fired = Probe.Of(id).Count("reminder:brief");
        fired.ShouldBeInRange(2, 6);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Probe.Of(id).Count("reminder:brief").ShouldBe(fired);
        (await env.Proxy(id).DescribeReminderAsync("brief")).ShouldBeNull();
    }

    [Fact]
    public async Task The_sdk_reads_back_a_registered_reminder_and_null_once_it_is_gone()
    {
        await using var env = await ActorEnvironment.StartAsync();
        var proxy = env.Proxy(NewId());

        await proxy.StartReminderAsync("later", 60_000, 5_000, 0);
        (await proxy.DescribeReminderAsync("later")).ShouldBe("00:01:00|00:00:05|payload-later");

        await proxy.StopReminderAsync("later");
        (await proxy.DescribeReminderAsync("later")).ShouldBeNull();
    }

    [Fact]
    public async Task An_unregistered_reminder_stops_firing()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string id = NewId();
        var proxy = env.Proxy(id);

        await proxy.StartReminderAsync("repeat", 0, 100, 0);
        (await Probe.Of(id).WaitForAsync(p => p.Count("reminder:repeat") >= 2, Patience)).ShouldBeTrue();
        await proxy.StopReminderAsync("repeat");
        int fired = Probe.Of(id).Count("reminder:repeat");
        await Task.Delay(350, TestContext.Current.CancellationToken);

        Probe.Of(id).Count("reminder:repeat").ShouldBe(fired);
    }

    [Fact]
    public async Task An_idle_actor_is_deactivated_and_its_state_survives()
    {
        await using var env = await ActorEnvironment.StartAsync(new ActorAppSettings { IdleTimeout = TimeSpan.FromSeconds(1), ScanInterval = TimeSpan.FromMilliseconds(200) });
        string id = NewId();
        var proxy = env.Proxy(id);
        await proxy.SaveAsync("k", "kept", 0);

        (await Probe.Of(id).WaitForAsync(p => p.Count("deactivate") == 1, Patience)).ShouldBeTrue();
        (await Probe.Of(id).WaitForAsync(_ => env.Sidecar.Actors.ActiveActorCount(ActorApp.ActorType) == 0, Patience)).ShouldBeTrue();

        (await proxy.LoadAsync("k")).ShouldBe("kept");
        Probe.Of(id).Count("activate").ShouldBe(2);
    }

    [Fact]
    public async Task State_saved_with_a_ttl_disappears()
    {
        await using var env = await ActorEnvironment.StartAsync();
        string id = NewId();
        var proxy = env.Proxy(id);

        await proxy.SaveAsync("short", "soon gone", 2);
        await proxy.SaveAsync("long", "stays", 0);
        (await proxy.LoadAsync("short")).ShouldBe("soon gone");

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("dapr-api-token", ActorSidecarHost.ApiToken);
        using (var live = await http.GetAsync($"{env.Sidecar.Endpoint}//v1.0/actors/{ActorApp.ActorType}/{id}/state/short", TestContext.Current.CancellationToken))
        {
            live.StatusCode.ShouldBe(HttpStatusCode.OK);
            live.Headers.Contains("metadata.ttlExpireTime").ShouldBeTrue();
        }

        await Task.Delay(2300, TestContext.Current.CancellationToken);

        (await proxy.LoadAsync("short")).ShouldBeNull();
        (await proxy.LoadAsync("long")).ShouldBe("stays");
        using var gone = await http.GetAsync($"{env.Sidecar.Endpoint}/v1.0/actors/{ActorApp.ActorType}/{id}/state/short", TestContext.Current.CancellationToken);
        gone.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }
}
