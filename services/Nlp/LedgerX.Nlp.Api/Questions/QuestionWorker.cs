using System.Collections.Concurrent;
using System.Diagnostics;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.Nlp.Api.Streaming;
using LedgerX.Nlp.Domain.Tools;
using Microsoft.Extensions.Options;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>
/// Answers queued questions on this replica, at most <see cref="NlpOptions.WorkerConcurrency"/> at once. The queue's
/// subscription hands it a question id; the worker claims the row (a duplicate delivery claims nothing and is simply
/// acknowledged), answers in the background (the delivery is acknowledged at once, so the broker never waits on an
/// answer) and stores the outcome. A crash loses nothing: the row's lease runs out and the sweeper requeues it.
/// </summary>
public sealed partial class QuestionWorker(
    IServiceScopeFactory scopes, IQuestionAnswerer answerer, LiveAnswerPublisher live, ActiveAnswers active, NlpMetrics metrics,
    IOptions<NlpOptions> options, TimeProvider time, ILogger<QuestionWorker> logger) : IHostedService
{
    /// <summary>This replica's name, the first part of every lease it takes.</summary>
    public string Id { get; } = WorkerName();

    private readonly NlpOptions _options = options.Value;
    private readonly SemaphoreSlim _slots = new(options.Value.WorkerConcurrency);
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly CancellationTokenSource _stopping = new();

    public enum Outcome
    {
        /// <summary>Claimed and being answered here.</summary>
        Started,
        /// <summary>Not queued any more (claimed elsewhere, finished) or its retry is not due: nothing to do.</summary>
        NothingToDo,
        /// <summary>Every worker of this replica is busy: the question is left for a republish.</summary>
        Busy,
    }

    /// <summary>Claims <paramref name="questionId"/> and starts answering it, if a worker is free.</summary>
    public async Task<Outcome> TryStartAsync(Guid questionId, CancellationToken ct)
    {
        if (_stopping.IsCancellationRequested || !await _slots.WaitAsync(0, ct))
        {
            await using var busyScope = scopes.CreateAsyncScope();
            await busyScope.ServiceProvider.GetRequiredService<QuestionStore>().UnpublishAsync(questionId, ct);
            return Outcome.Busy;
        }
        QuestionRow? row;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            // One lease per claim, not per replica: an attempt of this replica whose lease ran out must never act on the
            // next attempt's claim of the same question (also this replica's).
            row = await scope.ServiceProvider.GetRequiredService<QuestionStore>().ClaimAsync(questionId, $"{Id}/{Guid.NewGuid():N}", time.GetUtcNow() + _options.Lease, ct);
        }
        catch
        {
            _slots.Release();
            throw;
        }
        if (row is null)
        {
            _slots.Release();
            return Outcome.NothingToDo;
        }
        _running[row.Id] = Task.Run(() => AnswerAsync(row));
        return Outcome.Started;
    }

    private async Task AnswerAsync(QuestionRow row)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.Started(time.GetUtcNow() - row.AskedAt);
        var outcome = "error";
        try
        {
            outcome = await AnswerHeldAsync(row);
        }
        catch (Exception e)
        {
            // Storing the outcome failed (database down): the lease runs out and the sweeper requeues the question.
            LogStoreFailed(logger, row.Id, e);
        }
        finally
        {
            metrics.Ended(Stopwatch.GetElapsedTime(started), outcome);
            _running.TryRemove(row.Id, out _);
            _slots.Release();
        }
    }

    /// <summary>One attempt at a claimed question; returns the outcome's name for the metrics.</summary>
    private async Task<string> AnswerHeldAsync(QuestionRow row)
    {
        var lease = row.LeaseOwner!;
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<QuestionStore>();
        var tokens = scope.ServiceProvider.GetRequiredService<RelayedTokens>();
        var none = CancellationToken.None;

        var token = row.TokenProtected is { } sealedToken ? tokens.Unprotect(sealedToken) : null;
        if (token is null || row.TokenExpiresAt <= time.GetUtcNow())
        {
            return await FailAsync(store, row, QuestionErrors.TokenExpired,
                "The sign-in this question was asked with has expired before it could be answered; ask again.");
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        cancel.CancelAfter(_options.AnswerTimeout);
        active.Add(row.Id, cancel);
        using var watch = WatchForCancel(row.Id, lease, cancel);
        var stream = new LiveAnswerStream(live, row.Id, row.UserId);
        try
        {
            await live.StartedAsync(row.Id, row.UserId, none);
            var context = new QuestionContext(row.Id, new Asker(row.UserId, TimeZoneInfo.FindSystemTimeZoneById(row.TimeZone)), row.Text, row.Language,
                token, row.AskedAt);
            var answer = await answerer.AnswerAsync(context, stream, cancel.Token);
            if (stream.Written == 0)
            {
                // An answerer that composed its text without streaming it still reaches the live feed.
                await stream.WriteAsync(answer.Answer.Text, cancel.Token);
            }
            if (await store.CompleteAsync(row.Id, lease, answer, none) is { } status)
            {
                metrics.Finished(status, answer.Engine);
                await live.CompletedAsync(row.Id, row.UserId, status, none);
                return status;
            }
            return await EndedElsewhereAsync(row);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (_stopping.IsCancellationRequested)
            {
                await store.ReleaseAsync(row.Id, lease, none);
                return "released";
            }
            if (!await store.StillHeldAsync(row.Id, lease, none))
            {
                return await EndedElsewhereAsync(row);
            }
            return await FailAsync(store, row, QuestionErrors.AnswerTimeout,
                $"The answer took longer than {_options.AnswerTimeoutSeconds} s and was stopped.");
        }
        catch (RelayedTokenRejectedException)
        {
            return await FailAsync(store, row, QuestionErrors.TokenExpired,
                "The services holding your data no longer accept the sign-in this question was asked with; ask again.");
        }
        catch (Exception e)
        {
            LogAttemptFailed(logger, row.Id, row.Attempts, e);
            return await RetryOrDeadLetterAsync(scope.ServiceProvider, store, row, e);
        }
        finally
        {
            active.Remove(row.Id);
            await cancel.CancelAsync();
        }
    }

    private async Task<string> RetryOrDeadLetterAsync(IServiceProvider services, QuestionStore store, QuestionRow row, Exception e)
    {
        var message = $"{e.GetType().Name}: {e.Message}";
        if (row.Attempts < _options.MaxAttempts)
        {
            await store.RetryLaterAsync(row.Id, row.LeaseOwner!, QuestionErrors.AnswerFailed, message, _options.RetryBackoff(row.Attempts), CancellationToken.None);
            return "retry";
        }
        if (await store.DeadLetterAsync(row.Id, row.LeaseOwner!, QuestionErrors.AnswerFailed, message, CancellationToken.None))
        {
            metrics.Finished(QuestionStatus.Failed, null);
            await services.GetRequiredService<QueuePublisher>().PublishDeadLetterAsync(row, QuestionErrors.AnswerFailed, message, row.Attempts, CancellationToken.None);
            await live.CompletedAsync(row.Id, row.UserId, QuestionStatus.Failed, CancellationToken.None);
        }
        return "dead_letter";
    }

    private async Task<string> FailAsync(QuestionStore store, QuestionRow row, string code, string message)
    {
        if (await store.FailAsync(row.Id, row.LeaseOwner!, code, message, CancellationToken.None))
        {
            metrics.Finished(QuestionStatus.Failed, null);
            await live.CompletedAsync(row.Id, row.UserId, QuestionStatus.Failed, CancellationToken.None);
            return code;
        }
        return await EndedElsewhereAsync(row);
    }

    /// <summary>The row left this worker meanwhile: the asker cancelled it (say so on the live feed), or the lease ran out.</summary>
    private async Task<string> EndedElsewhereAsync(QuestionRow row)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<QuestionsDbContext>();
        var status = (await db.Questions.FindAsync(row.Id))?.Status;
        if (status == QuestionStatus.Cancelled)
        {
            await live.CompletedAsync(row.Id, row.UserId, QuestionStatus.Cancelled, CancellationToken.None);
        }
        return status ?? "gone";
    }

    /// <summary>Polls the row while answering: a cancel at another replica (or a lost lease) stops this answer.</summary>
    private IDisposable WatchForCancel(Guid id, string lease, CancellationTokenSource cancel)
    {
        var timer = time.CreateTimer(_ => _ = CheckAsync(), null, TimeSpan.FromMilliseconds(_options.CancelPollMs), TimeSpan.FromMilliseconds(_options.CancelPollMs));
        return timer;

        async Task CheckAsync()
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (!cancel.IsCancellationRequested && !await scope.ServiceProvider.GetRequiredService<QuestionStore>().StillHeldAsync(id, lease, CancellationToken.None))
                {
                    await cancel.CancelAsync();
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A failed poll is retried at the next tick; the answer's own timeout still bounds it.
                LogPollFailed(logger, id, e);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Host name (for operators reading a lease) and a random part (two replicas on one host differ).</summary>
    private static string WorkerName()
    {
        var host = Environment.MachineName;
        return $"{(host.Length > 20 ? host[..20] : host)}/{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>Stops answering: every question in flight is handed back to the queue (released), not failed.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_running.Values).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} at question {QuestionId} failed")]
    private static partial void LogAttemptFailed(ILogger logger, Guid questionId, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing the outcome of question {QuestionId} failed; its lease will run out")]
    private static partial void LogStoreFailed(ILogger logger, Guid questionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Checking question {QuestionId} for a cancel failed")]
    private static partial void LogPollFailed(ILogger logger, Guid questionId, Exception exception);
}
