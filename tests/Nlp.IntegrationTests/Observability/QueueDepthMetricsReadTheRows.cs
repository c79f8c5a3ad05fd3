using LedgerX.Nlp.Api.Infrastructure;
using LedgerX.Nlp.Api.Observability;
using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.Nlp.IntegrationTests.Observability;

/// <summary>
/// The question queue's gauges (<see cref="QueueDepthMetrics"/>) against a migrated nlp database holding known
/// questions and nothing else (no worker runs on it): the depth counts the queued rows only, and the oldest age is the
/// oldest queued question's wait on the reader's clock. xUnit makes the class, and so a fresh database, per test.
/// </summary>
public sealed class QueueDepthMetricsReadTheRows : IAsyncLifetime
{
    private const string Depth = "ledgerx.nlp.queue.depth";
    private const string OldestAge = "ledgerx.nlp.queue.oldest_age";

    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        string connectionString = await TestPostgres.CreateDatabaseAsync("nlp_queue_metrics", TestContext.Current.CancellationToken);
        _services = new ServiceCollection().AddDbContext<QuestionsDbContext>(o => NlpDatabase.Configure(o, connectionString)).BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<QuestionsDbContext>().Database.MigrateAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task Depth_CountsQueuedQuestionsOnly_AndOldestAge_IsTheOldestQueuedWait()
    {
        var meters = MetricCapture.NewMeterFactory();
        using var capture = new MetricCapture(meters);
        var metrics = new QueueDepthMetrics(_services.GetRequiredService<IServiceScopeFactory>(), _clock, meters, NullLogger<QueueDepthMetrics>.Instance);
        // Three queued (the oldest asked 90 s ago), one being answered for longer (not waiting), two finished long ago.
        await InsertAsync(
            Row(QuestionStatus.Queued, Now.AddSeconds(-90)), Row(QuestionStatus.Queued, Now.AddSeconds(-30)), Row(QuestionStatus.Queued, Now),
            Row(QuestionStatus.Answering, Now.AddMinutes(-5)), Row(QuestionStatus.Answered, Now.AddHours(-1)), Row(QuestionStatus.Failed, Now.AddHours(-2)));
        _clock.Advance(TimeSpan.FromSeconds(15));

        await metrics.PollOnceAsync(TestContext.Current.CancellationToken);

        capture.Gauge(Depth).ShouldBe(3);
        capture.Gauge(OldestAge).ShouldBe(105, 0.001);
    }

    [Fact]
    public async Task WithNothingQueued_BothGaugesSayZero()
    {
        var meters = MetricCapture.NewMeterFactory();
        using var capture = new MetricCapture(meters);
        var metrics = new QueueDepthMetrics(_services.GetRequiredService<IServiceScopeFactory>(), _clock, meters, NullLogger<QueueDepthMetrics>.Instance);
        await InsertAsync(Row(QuestionStatus.Answered, Now.AddMinutes(-1)));

        await metrics.PollOnceAsync(TestContext.Current.CancellationToken);

        capture.Gauge(Depth).ShouldBe(0);
        capture.Gauge(OldestAge).ShouldBe(0);
    }

    private static QuestionRow Row(string status, DateTimeOffset askedAt) => new()
    {
        Id = Guid.CreateVersion7(), UserId = "metrics-test", Text = "how much did I spend?", Language = "en", TimeZone = "UTC",
        Status = status, AskedAt = askedAt, NotBefore = askedAt, TokenExpiresAt = askedAt.AddMinutes(5),
    };

    private async Task InsertAsync(params QuestionRow[] rows)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<QuestionsDbContext>();
        db.Questions.AddRange(rows);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }
}
