using System.Diagnostics.Metrics;
using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.ServiceDefaults.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Nlp.Api.Observability;

/// <summary>
/// The question queue's depth (meter <c>LedgerX.Nlp.Queue</c>): questions waiting for a worker and how long the oldest
/// has waited, read from the <c>questions</c> table (<see cref="PolledMetrics"/>) — the broker's queue only carries
/// pointers to rows, and a question republished by the sweeper would count twice there. Latency is
/// <c>ledgerx.nlp.queue.wait</c> and <c>ledgerx.nlp.answer.duration</c> (NlpMetrics).
/// </summary>
public sealed class QueueDepthMetrics : PolledMetrics
{
    public const string MeterName = "LedgerX.Nlp.Queue";

    private readonly IServiceScopeFactory _scopes;
    private long _queued;
    private double _oldestQueuedAgeSeconds;

    public QueueDepthMetrics(IServiceScopeFactory scopes, TimeProvider clock, IMeterFactory meters, ILogger<QueueDepthMetrics> logger)
        : base(clock, logger)
    {
        _scopes = scopes;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("ledgerx.nlp.queue.depth", () => Interlocked.Read(ref _queued),
            description: "Questions queued and not yet claimed by a worker.");
        meter.CreateObservableGauge("ledgerx.nlp.queue.oldest_age", () => Volatile.Read(ref _oldestQueuedAgeSeconds), unit: "s",
            description: "How long the oldest queued question has waited (0 when none is queued).");
    }

    public override async Task PollOnceAsync(CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var connection = scope.ServiceProvider.GetRequiredService<QuestionsDbContext>().Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*), min(asked_at) FROM questions WHERE status = '{QuestionStatus.Queued}'";
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        long queued = reader.GetInt64(0);
        double oldestAge = reader.IsDBNull(1) ? 0 : Math.Max(0, (Clock.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(1)).TotalSeconds);
        Interlocked.Exchange(ref _queued, queued);
        Volatile.Write(ref _oldestQueuedAgeSeconds, oldestAge);
    }
}
