using LedgerX.Nlp.Api.Questions.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static LedgerX.Nlp.Api.Questions.Persistence.QuestionStatus;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>
/// Keeps the queue honest, every <see cref="NlpOptions.SweepIntervalMs"/> on every replica (each step is a conditional
/// UPDATE, so replicas sweeping together do no harm): expires questions no worker started within the queue timeout,
/// requeues questions whose worker's lease ran out (a crashed replica; dead-lettered after the last attempt), publishes
/// queued questions whose event was never published, lost, or left by a busy replica, and wipes the tokens of dead
/// letters once they expired.
/// </summary>
public sealed partial class QuestionSweeper(
    IServiceScopeFactory scopes, IOptions<NlpOptions> options, TimeProvider time, NlpMetrics metrics, ILogger<QuestionSweeper> logger) : BackgroundService
{
    /// <summary>Rows one step handles per pass: a backlog drains over several passes instead of one long transaction.</summary>
    public const int BatchSize = 100;

    private readonly NlpOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.SweepIntervalMs), time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            // Anything but this host stopping, a timeout\'s OperationCanceledException included (a stalled database or
            // sidecar): an escaped exception would end the loop for good and stop the host.
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<QuestionsDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<QuestionStore>();
        var publisher = scope.ServiceProvider.GetRequiredService<QueuePublisher>();
        var now = time.GetUtcNow();

        var expiredBefore = now - _options.QueueTimeout;
        var expired = await db.Questions.Where(q => q.Status == Queued && q.StartedAt == null && q.AskedAt < expiredBefore)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.Status, Expired).SetProperty(q => q.FinishedAt, now)
                .SetProperty(q => q.TokenProtected, (string?)null)
                .SetProperty(q => q.ErrorCode, "queue_timeout")
                .SetProperty(q => q.ErrorMessage, $"No worker started the question within {_options.QueueTimeoutSeconds} s."), ct);
        for (var i = 0; i < expired; i++)
        {
            metrics.Finished(Expired, null);
        }

        var lost = await db.Questions.AsNoTracking().Where(q => q.Status == QuestionStatus.Answering && q.LeaseUntil < now).Take(BatchSize).ToListAsync(ct);
        foreach (var row in lost)
        {
            await RecoverLostAsync(db, publisher, row, now, ct);
        }

        var republishBefore = now - TimeSpan.FromSeconds(_options.RepublishAfterSeconds);
        var owed = await db.Questions.AsNoTracking()
            .Where(q => q.Status == Queued && q.NotBefore <= now && (q.PublishedAt == null || q.PublishedAt < republishBefore))
            .OrderBy(q => q.NotBefore).Take(BatchSize).ToListAsync(ct);
        foreach (var row in owed)
        {
            await publisher.PublishAsync(row, store, ct);
        }

        await db.Questions.Where(q => q.DeadAt != null && q.Status == Failed && q.TokenProtected != null && q.TokenExpiresAt < now)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.TokenProtected, (string?)null), ct);
    }

    /// <summary>A lease that ran out: its worker died (or hung past the answer timeout and its margin).</summary>
    private async Task RecoverLostAsync(QuestionsDbContext db, QueuePublisher publisher, QuestionRow row, DateTimeOffset now, CancellationToken ct)
    {
        var lease = row.LeaseUntil;
        var mine = db.Questions.Where(q => q.Id == row.Id && q.Status == QuestionStatus.Answering && q.LeaseUntil == lease);
        const string message = "The worker answering the question stopped before finishing it.";
        if (row.Attempts < _options.MaxAttempts)
        {
            await mine.ExecuteUpdateAsync(s => s.SetProperty(q => q.Status, Queued).SetProperty(q => q.PublishedAt, (DateTimeOffset?)null)
                .SetProperty(q => q.NotBefore, now).SetProperty(q => q.LeaseOwner, (string?)null).SetProperty(q => q.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(q => q.ErrorCode, QuestionErrors.WorkerLost).SetProperty(q => q.ErrorMessage, message), ct);
            LogRequeued(logger, row.Id, row.LeaseOwner);
            return;
        }
        var dead = await mine.ExecuteUpdateAsync(s => s.SetProperty(q => q.Status, Failed).SetProperty(q => q.FinishedAt, now).SetProperty(q => q.DeadAt, now)
            .SetProperty(q => q.LeaseOwner, (string?)null).SetProperty(q => q.LeaseUntil, (DateTimeOffset?)null)
            .SetProperty(q => q.ErrorCode, QuestionErrors.WorkerLost).SetProperty(q => q.ErrorMessage, message), ct);
        if (dead == 1)
        {
            metrics.Finished(Failed, null);
            await publisher.PublishDeadLetterAsync(row, QuestionErrors.WorkerLost, message, row.Attempts, ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping the question queue failed; the next pass retries")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Question {QuestionId}'s lease held by {Worker} ran out; queued again")]
    private static partial void LogRequeued(ILogger logger, Guid questionId, string? worker);
}
