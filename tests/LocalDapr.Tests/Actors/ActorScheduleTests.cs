using LedgerX.LocalDapr.Actors;
using LedgerX.LocalDapr.Api;

namespace LedgerX.LocalDapr.Tests.Actors;

/// <summary>The reminder/timer time formats daprd accepts, and the app's /dapr/config.</summary>
public sealed class ActorScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0h0m5s0ms", 5_000)]
    [InlineData("PT1M", 60_000)]
    [InlineData("P1DT2H", 93_600_000)]
    [InlineData("PT0.5S", 500)]
    [InlineData("", 0)]
    public void Due_times_in_go_and_iso_form_are_understood(string dueTime, int expectedMs)
    {
        ActorSchedule.Parse(dueTime, null, null, Now, "E", "reminder").FirstFireAt.ShouldBe(Now.AddMilliseconds(expectedMs));
    }

    [Fact]
    public void An_iso_repetition_period_limits_the_firings()
    {
        var schedule = ActorSchedule.Parse("0h0m1s0ms", "R5/PT1M", null, Now, "E", "reminder");

        schedule.Period.ShouldBe(TimeSpan.FromMinutes(1));
        schedule.Repetitions.ShouldBe(5);
    }

    [Fact]
    public void A_negative_period_means_fire_once_and_an_rfc3339_due_time_is_absolute()
    {
        var schedule = ActorSchedule.Parse("2026-01-01T12:00:30Z", "-1ms", null, Now, "E", "reminder");

        schedule.Period.ShouldBeNull();
        schedule.FirstFireAt.ShouldBe(Now.AddSeconds(30));
    }

    [Fact]
    public void A_ttl_is_measured_from_the_first_firing_and_may_not_end_before_it()
    {
        ActorSchedule.Parse("10s", "1s", "PT1M", Now, "E", "timer").ExpiresAt.ShouldBe(Now.AddSeconds(70));

        var error = Should.Throw<DaprApiException>(() => ActorSchedule.Parse("1m", "1s", "2026-01-01T12:00:10Z", Now, "ERR_ACTOR_REMINDER_CREATE", "reminder"));
        error.ErrorCode.ShouldBe("ERR_ACTOR_REMINDER_CREATE");
        Should.Throw<DaprApiException>(() => ActorSchedule.Parse("soon", null, null, Now, "E", "reminder"));
    }

    [Theory]
    [InlineData("soon", null)]
    [InlineData("1s", "every-minute")]
    public void An_unparseable_due_time_or_period_is_a_500_as_in_daprd(string dueTime, string? period)
    {
        var error = Should.Throw<DaprApiException>(() => ActorSchedule.Parse(dueTime, period, null, Now, "ERR_ACTOR_REMINDER_CREATE", "reminder"));

        error.HttpStatus.ShouldBe(500);
        error.GrpcStatus.ShouldBe(Grpc.Core.StatusCode.Internal);
        error.ErrorCode.ShouldBe("ERR_ACTOR_REMINDER_CREATE");
        error.Message.ShouldStartWith("error creating actor reminder: error parsing ");
    }

    [Fact]
    public void Times_go_back_to_the_app_in_the_forms_the_sdk_parses()
    {
        ActorSchedule.ToDaprFormat(TimeSpan.FromMilliseconds(90_061_001)).ShouldBe("25h1m1s1ms");
        ActorSchedule.ToSdkPeriod(null, null).ShouldBe("");
        ActorSchedule.ToSdkPeriod(TimeSpan.FromSeconds(90), 5).ShouldBe("R5/PT1M30S");
        ActorSchedule.ToSdkPeriod(TimeSpan.FromMilliseconds(200), 2).ShouldBe("0h0m0s200ms");
        ActorSchedule.ToSdkPeriod(TimeSpan.FromMinutes(1), null).ShouldBe("0h1m0s0ms");
    }

    [Fact]
    public void Dapr_config_gives_per_type_settings_with_entities_config_overrides()
    {
        const string json = """
            {"entities":["A","B"],"actorIdleTimeout":"0h0m2s0ms","actorScanInterval":"0h0m0s500ms","drainOngoingCallTimeout":"0h0m40s0ms",
             "drainRebalancedActors":true,"reentrancy":{"enabled":false,"maxStackDepth":32},
             "entitiesConfig":[{"entities":["B"],"actorIdleTimeout":"0h1m0s0ms","reentrancy":{"enabled":true,"maxStackDepth":4}}]}
            """;

        var types = ActorConfig.Parse(json);

        types["A"].ShouldBe(new ActorTypeSettings("A", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500), false, 32));
        types["B"].ShouldBe(new ActorTypeSettings("B", TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(500), true, 4));
    }
}
