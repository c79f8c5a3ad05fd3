using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.Notifications.Api.Intake;

/// <summary>
/// What every subscription shares: reading the body, the processed-event check, the bounded wait for an owner, and
/// handing each UserEvent to every <see cref="IUserEventSink"/>. The processed-event row is written only after every sink
/// accepted, so a sink that failed gets the event again (RETRY) and the sinks that had accepted dedupe it.
/// </summary>
public sealed partial class IntakePipeline(
    IntakeDbContext db, IEnumerable<IUserEventSink> sinks, TimeProvider clock, IOptions<IntakeOptions> options, ILogger<IntakePipeline> logger)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The sidecar's status words: SUCCESS acknowledges, RETRY redelivers under the resiliency policy, DROP sends
    /// the message to the subscription's dead-letter topic.</summary>
    public static IResult Success { get; } = TypedResults.Json(new { status = "SUCCESS" });
    public static IResult Retry { get; } = TypedResults.Json(new { status = "RETRY" });
    public static IResult Drop { get; } = TypedResults.Json(new { status = "DROP" });

    /// <summary>Bodies are read by hand, not bound: a malformed payload is answered DROP (it will never get better),
    /// while a binding failure would be a 400 that the sidecar retries.</summary>
    public static async Task<T?> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Json, ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The CloudEvent id (forwarded as a header by UseCloudEvents); publishers set it to the payload's eventId.</summary>
    public static Guid EventId(HttpRequest request, Guid payloadEventId)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Guid.TryParse(request.Headers["Cloudevent.id"].ToString(), out var id) ? id : payloadEventId;
    }

    public IResult Malformed(string topic)
    {
        LogMalformed(logger, topic);
        return Drop;
    }

    public Task<bool> AlreadyProcessedAsync(Guid eventId, CancellationToken ct) =>
        db.ProcessedEvents.AsNoTracking().AnyAsync(p => p.EventId == eventId, ct);

    /// <summary>Marks an event that produces no UserEvent (a projection's) as processed.</summary>
    public Task<IResult> CompleteAsync(Guid eventId, string topic, CancellationToken ct) => DeliverAsync(eventId, topic, Mapping.Of(), ct);

    public async Task<IResult> DeliverAsync(Guid eventId, string topic, Mapping mapping, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        if (mapping.MissingAccounts.Count > 0)
        {
            return await WaitAsync(eventId, topic, $"owner of {string.Join(", ", mapping.MissingAccounts)}", ct);
        }
        foreach (var userEvent in mapping.Events)
        {
            foreach (var sink in sinks)
            {
                try
                {
                    await sink.AcceptAsync(userEvent, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSinkFailed(logger, ex, sink.GetType().Name, eventId, topic);
                    return Retry;
                }
            }
        }
        db.ProcessedEvents.Add(new ProcessedEventRow { EventId = eventId, Topic = topic, UserEvents = mapping.Events.Count, ProcessedAt = clock.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear(); // A concurrent delivery of the same event finished first.
        }
        return Success;
    }

    /// <summary>RETRY while the missing fact may still arrive; after the configured attempts, DROP to the dead-letter topic.</summary>
    public async Task<IResult> WaitAsync(Guid eventId, string topic, string missing, CancellationToken ct)
    {
        var row = await db.WaitingEvents.FirstOrDefaultAsync(w => w.EventId == eventId, ct);
        if (row is null)
        {
            row = new WaitingEventRow { EventId = eventId, Topic = topic };
            db.WaitingEvents.Add(row);
        }
        row.Attempts++;
        row.LastAttemptAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        if (row.Attempts >= options.Value.MaxOwnerWaitAttempts)
        {
            LogGaveUp(logger, eventId, topic, missing, row.Attempts);
            return Drop;
        }
        LogWaiting(logger, eventId, topic, missing, row.Attempts);
        return Retry;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed {Topic} payload dropped to the dead-letter topic")]
    private static partial void LogMalformed(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink} failed on event {EventId} ({Topic}); asking the sidecar to retry")]
    private static partial void LogSinkFailed(ILogger logger, Exception ex, string sink, Guid eventId, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {EventId} ({Topic}) waits for the {Missing} (attempt {Attempts}); retried")]
    private static partial void LogWaiting(ILogger logger, Guid eventId, string topic, string missing, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId} ({Topic}) still lacks the {Missing} after {Attempts} attempts; dropped to the dead-letter topic")]
    private static partial void LogGaveUp(ILogger logger, Guid eventId, string topic, string missing, int attempts);
}
