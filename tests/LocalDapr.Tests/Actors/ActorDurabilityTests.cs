using LedgerX.LocalDapr.State;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Tests.Actors;

/// <summary>Actor state and reminders in PostgreSQL (the actor state store) outlive the sidecar and the app.</summary>
public sealed class ActorDurabilityTests
{
    private static Task<PostgresStateStore> OpenAsync(string connectionString) =>
        PostgresStateStore.OpenAsync(connectionString, "", TimeSpan.FromSeconds(20), TimeSpan.Zero, CancellationToken.None);

    [Fact]
    public async Task State_survives_deactivation_and_a_restart_of_app_and_sidecar()
    {
        string db = await TestPostgres.CreateDatabaseAsync("actors", TestContext.Current.CancellationToken);
        string id = Guid.NewGuid().ToString("N");
        var settings = new ActorAppSettings { IdleTimeout = TimeSpan.FromSeconds(1), ScanInterval = TimeSpan.FromMilliseconds(200) };

        await using (var store = await OpenAsync(db))
        await using (var env = await ActorEnvironment.StartAsync(settings, store))
        {
            await env.Proxy(id).SaveAsync("balance", "42", 0);
            (await Probe.Of(id).WaitForAsync(p => p.Count("deactivate") == 1, TimeSpan.FromSeconds(5))).ShouldBeTrue();
            (await env.Proxy(id).LoadAsync("balance")).ShouldBe("42");
        }

        await using (var store = await OpenAsync(db))
        await using (var env = await ActorEnvironment.StartAsync(settings, store))
        {
            (await env.Proxy(id).LoadAsync("balance")).ShouldBe("42");
        }

        await TestPostgres.DropDatabaseAsync(db, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_reminder_fires_after_a_sidecar_restart()
    {
        string db = await TestPostgres.CreateDatabaseAsync("actors", TestContext.Current.CancellationToken);
        string id = Guid.NewGuid().ToString("N");
        var first = await OpenAsync(db);
        await using var env = await ActorEnvironment.StartAsync(store: first);

        await env.Proxy(id).StartReminderAsync("wake", 1500, 0, 0);
        await env.Proxy(id).StartReminderAsync("beat", 0, 300, 0);
        await env.RestartSidecarAsync(await OpenAsync(db));
        await first.DisposeAsync();
        Probe.Of(id).Count("reminder:wake").ShouldBe(0);
        int beatsBefore = Probe.Of(id).Count("reminder:beat");

        (await Probe.Of(id).WaitForAsync(p => p.Count("reminder:wake:payload-wake") == 1, TimeSpan.FromSeconds(6))).ShouldBeTrue();
        (await Probe.Of(id).WaitForAsync(p => p.Count("reminder:beat") >= beatsBefore + 2, TimeSpan.FromSeconds(3))).ShouldBeTrue();

        // A one-shot reminder is gone once fired: not restored by the next restart.
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await env.RestartSidecarAsync(await OpenAsync(db));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Probe.Of(id).Count("reminder:wake").ShouldBe(1);
        (await env.Sidecar.Actors.GetReminderAsync(ActorApp.ActorType, id, "wake", TestContext.Current.CancellationToken)).ShouldBeNull();
        await env.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(db, TestContext.Current.CancellationToken);
    }
}
