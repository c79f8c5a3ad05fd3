using LedgerX.Notifications.Api.Delivery;
using LedgerX.Notifications.Api.Infrastructure.Persistence;
using LedgerX.Notifications.Api.Observability;
using LedgerX.Notifications.Api.Preferences;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.Notifications.IntegrationTests.Observability;

/// <summary>
/// Delivery as metrics (<see cref="NotificationMetrics"/>) against a migrated delivery module holding known rows and
/// nothing else (no dispatcher runs on it): outstanding rows by channel and status (every channel reported, 0 when
/// empty), and each delivery that reached sent or dead while the reader ran counted once, by channel and outcome.
/// xUnit makes the class, and so a fresh database, per test.
/// </summary>
public sealed class NotificationMetricsReadTheRows : IAsyncLifetime
{
    private const string Outstanding = "ledgerx.notifications.outstanding";
    private const string Deliveries = "ledgerx.notifications.deliveries";

    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        string connectionString = await TestPostgres.CreateDatabaseAsync("notification_metrics", TestContext.Current.CancellationToken);
        var builder = WebApplication.CreateBuilder();
        // Only the module's DbContext is wanted from the builder; EF Core's SQL log would drown the test output.
        builder.Logging.ClearProviders();
        builder.Configuration[$"ConnectionStrings:{ModuleDatabase.ConnectionStringName}"] = connectionString;
        builder.AddModuleDbContext<DeliveryDbContext>(DeliveryDbContext.Module);
        _services = builder.Services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DeliveryDbContext>().Database.MigrateAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task Outstanding_ByChannelAndStatus_AndDeliveriesSinceTheReaderStarted_AreWhatTheRowsSay()
    {
        var ct = TestContext.Current.CancellationToken;
        var meters = MetricCapture.NewMeterFactory();
        using var capture = new MetricCapture(meters);
        var metrics = new NotificationMetrics(_services.GetRequiredService<IServiceScopeFactory>(), _clock, meters, NullLogger<NotificationMetrics>.Instance);
        // The reader counts deliveries stamped after (start - 5 s commit slack) and up to (poll - 5 s).
        await InsertAsync(ct,
            Row(Channels.Email, NotificationStatus.Pending), Row(Channels.Email, NotificationStatus.Pending), Row(Channels.Sms, NotificationStatus.Pending),
            Row(Channels.Push, NotificationStatus.Dead, deadAt: Now.AddSeconds(10)),
            Row(Channels.Email, NotificationStatus.Sent, sentAt: Now.AddSeconds(1)), Row(Channels.Email, NotificationStatus.Sent, sentAt: Now.AddSeconds(20)),
            Row(Channels.Sms, NotificationStatus.Sent, sentAt: Now.AddMinutes(-10)),
            Row(Channels.Push, NotificationStatus.Skipped));
        _clock.Advance(TimeSpan.FromSeconds(30));

        await metrics.PollOnceAsync(ct);

        capture.Gauge(Outstanding, ("channel", Channels.Email), ("status", NotificationStatus.Pending)).ShouldBe(2);
        capture.Gauge(Outstanding, ("channel", Channels.Sms), ("status", NotificationStatus.Pending)).ShouldBe(1);
        capture.Gauge(Outstanding, ("channel", Channels.Push), ("status", NotificationStatus.Pending)).ShouldBe(0);
        capture.Gauge(Outstanding, ("channel", Channels.Push), ("status", NotificationStatus.Dead)).ShouldBe(1);
        capture.Gauge(Outstanding, ("channel", Channels.Email), ("status", NotificationStatus.Dead)).ShouldBe(0);
        ((string Channel, string Outcome) Series, double Count)[] counted = [((Channels.Email, NotificationStatus.Sent), 2), ((Channels.Push, NotificationStatus.Dead), 1)];
        Counted(capture).ShouldBe(counted, ignoreOrder: true);

        // Read again: the same rows are not counted twice.
        await metrics.PollOnceAsync(ct);
        Counted(capture).Sum(c => c.Count).ShouldBe(3);
    }

    private static List<((string Channel, string Outcome) Series, double Count)> Counted(MetricCapture capture) =>
        [.. capture.Recorded(Deliveries).GroupBy(r => (r.Tags["channel"]!, r.Tags["outcome"]!)).Select(g => (g.Key, g.Sum(r => r.Value)))];

    private static NotificationRow Row(string channel, string status, DateTimeOffset? sentAt = null, DateTimeOffset? deadAt = null) => new()
    {
        Id = Guid.CreateVersion7(), EventId = Guid.CreateVersion7(), UserId = "metrics-test", Channel = channel, Kind = "transfer.received",
        Status = status, Language = "en", OccurredAt = Now.AddMinutes(-20), CreatedAt = Now.AddMinutes(-20), NextAttemptAt = Now.AddMinutes(-20),
        SentAt = sentAt, DeadAt = deadAt,
    };

    private async Task InsertAsync(CancellationToken ct, params NotificationRow[] rows)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeliveryDbContext>();
        db.Notifications.AddRange(rows);
        await db.SaveChangesAsync(ct);
    }
}
