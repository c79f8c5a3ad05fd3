using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Questions.Persistence;
using Microsoft.EntityFrameworkCore;
using static LedgerX.Nlp.Api.Questions.Persistence.QuestionStatus;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>
/// Every change of a question's status, each one conditional UPDATE (<c>WHERE status = …</c>), so two replicas, a
/// worker and a cancel, or a worker and the sweeper racing on one row cannot both win: the loser changes nothing and
/// learns so from the count. Every final status wipes the relayed token in the same UPDATE, except a dead letter, which
/// keeps it (encrypted) so an operator's requeue can still answer while it is valid; the sweeper wipes it once it expired.
/// </summary>
public sealed class QuestionStore(QuestionsDbContext db, TimeProvider time)
{
    private DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Takes a queued question for <paramref name="worker"/> until <paramref name="leaseUntil"/>, counting the
    /// attempt. False when it is not queued (claimed, final) or its retry is not due: the delivery is a duplicate.</summary>
    public async Task<QuestionRow?> ClaimAsync(Guid id, string worker, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        var now = Now;
        var claimed = await db.Questions.Where(q => q.Id == id && q.Status == Queued && q.NotBefore <= now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(q => q.Status, QuestionStatus.Answering)
                .SetProperty(q => q.Attempts, q => q.Attempts + 1)
                .SetProperty(q => q.LeaseOwner, worker)
                .SetProperty(q => q.LeaseUntil, leaseUntil)
                .SetProperty(q => q.StartedAt, q => q.StartedAt ?? now), ct);
        return claimed == 1 ? await db.Questions.AsNoTracking().SingleAsync(q => q.Id == id, ct) : null;
    }

    /// <summary>Whether <paramref name="worker"/> still holds the question (not cancelled, not taken over).</summary>
    public Task<bool> StillHeldAsync(Guid id, string worker, CancellationToken ct) =>
        db.Questions.AnyAsync(q => q.Id == id && q.Status == QuestionStatus.Answering && q.LeaseOwner == worker, ct);

    /// <summary>Stores the answer (answered, or refused when the answer is a refusal) and wipes the token.</summary>
    public async Task<string?> CompleteAsync(Guid id, string worker, AnswerOutcome outcome, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var status = outcome.Answer.IsRefusal ? Refused : Answered;
        var view = AnswerView.From(outcome.Answer);
        var now = Now;
        var done = await Held(id, worker).ExecuteUpdateAsync(s => s
            .SetProperty(q => q.Status, status)
            .SetProperty(q => q.AnswerJson, view.ToJson())
            .SetProperty(q => q.Intent, view.Intent)
            .SetProperty(q => q.Engine, outcome.Engine)
            .SetProperty(q => q.TemplateVersion, outcome.Answer.TemplateVersion)
            .SetProperty(q => q.PromptVersion, outcome.PromptVersion)
            .SetProperty(q => q.Model, outcome.Model)
            .SetProperty(q => q.FallbackReason, Truncate(outcome.FallbackReason))
            .SetProperty(q => q.ToolCallsJson, ToolCallsJson.Of(outcome.ToolCalls))
            .SetProperty(q => q.ErrorCode, (string?)null)
            .SetProperty(q => q.ErrorMessage, (string?)null)
            .SetProperty(q => q.FinishedAt, now)
            .SetProperty(q => q.TokenProtected, (string?)null)
            .SetProperty(q => q.LeaseOwner, (string?)null)
            .SetProperty(q => q.LeaseUntil, (DateTimeOffset?)null), ct);
        return done == 1 ? status : null;
    }

    /// <summary>Fails the question for good (no retry) with <paramref name="code"/>, wiping the token.</summary>
    public async Task<bool> FailAsync(Guid id, string worker, string code, string message, CancellationToken ct)
    {
        var now = Now;
        return await Held(id, worker).ExecuteUpdateAsync(s => s
            .SetProperty(q => q.Status, Failed)
            .SetProperty(q => q.ErrorCode, code)
            .SetProperty(q => q.ErrorMessage, Truncate(message))
            .SetProperty(q => q.FinishedAt, now)
            .SetProperty(q => q.TokenProtected, (string?)null)
            .SetProperty(q => q.LeaseOwner, (string?)null)
            .SetProperty(q => q.LeaseUntil, (DateTimeOffset?)null), ct) == 1;
    }

    /// <summary>Puts the question back in the queue after a failed attempt, due after <paramref name="backoff"/>; the
    /// sweeper publishes it then (published_at null).</summary>
    public async Task<bool> RetryLaterAsync(Guid id, string worker, string code, string message, TimeSpan backoff, CancellationToken ct)
    {
        var due = Now + backoff;
        return await Held(id, worker).ExecuteUpdateAsync(s => s
            .SetProperty(q => q.Status, Queued)
            .SetProperty(q => q.ErrorCode, code)
            .SetProperty(q => q.ErrorMessage, Truncate(message))
            .SetProperty(q => q.NotBefore, due)
            .SetProperty(q => q.PublishedAt, (DateTimeOffset?)null)
            .SetProperty(q => q.LeaseOwner, (string?)null)
            .SetProperty(q => q.LeaseUntil, (DateTimeOffset?)null), ct) == 1;
    }

    /// <summary>Gives the question up after its last attempt: failed, listed for operators (dead_at). The token stays
    /// (encrypted) for a requeue.</summary>
    public async Task<bool> DeadLetterAsync(Guid id, string worker, string code, string message, CancellationToken ct)
    {
        var now = Now;
        return await Held(id, worker).ExecuteUpdateAsync(s => s
            .SetProperty(q => q.Status, Failed)
            .SetProperty(q => q.ErrorCode, code)
            .SetProperty(q => q.ErrorMessage, Truncate(message))
            .SetProperty(q => q.FinishedAt, now)
            .SetProperty(q => q.DeadAt, now)
            .SetProperty(q => q.LeaseOwner, (string?)null)
            .SetProperty(q => q.LeaseUntil, (DateTimeOffset?)null), ct) == 1;
    }

    /// <summary>Hands a question back unanswered (this replica is stopping): queued again at once, attempt not held against it.</summary>
    public async Task ReleaseAsync(Guid id, string worker, CancellationToken ct) =>
        await Held(id, worker).ExecuteUpdateAsync(s => s
            .SetProperty(q => q.Status, Queued)
            .SetProperty(q => q.Attempts, q => q.Attempts - 1)
            .SetProperty(q => q.PublishedAt, (DateTimeOffset?)null)
            .SetProperty(q => q.LeaseOwner, (string?)null)
            .SetProperty(q => q.LeaseUntil, (DateTimeOffset?)null), ct);

    /// <summary>Marks the queued event of <paramref name="id"/> as taken by the broker.</summary>
    public Task MarkPublishedAsync(Guid id, CancellationToken ct)
    {
        var now = Now;
        return db.Questions.Where(q => q.Id == id && q.Status == Queued).ExecuteUpdateAsync(s => s.SetProperty(q => q.PublishedAt, now), ct);
    }

    /// <summary>Forgets that the queued event was published, so the sweeper publishes it again (a replica with no free worker).</summary>
    public Task UnpublishAsync(Guid id, CancellationToken ct) =>
        db.Questions.Where(q => q.Id == id && q.Status == Queued).ExecuteUpdateAsync(s => s.SetProperty(q => q.PublishedAt, (DateTimeOffset?)null), ct);

    /// <summary>The asker cancels: a queued or answering question becomes cancelled (the worker notices at its next tool
    /// call or streamed piece). Null when the question is not the asker's; false when it had already finished.</summary>
    public async Task<bool?> CancelAsync(Guid id, string userId, CancellationToken ct)
    {
        var now = Now;
        var cancelled = await db.Questions.Where(q => q.Id == id && q.UserId == userId && (q.Status == Queued || q.Status == QuestionStatus.Answering))
            .ExecuteUpdateAsync(s => s
                .SetProperty(q => q.Status, Cancelled)
                .SetProperty(q => q.FinishedAt, now)
                .SetProperty(q => q.TokenProtected, (string?)null)
                .SetProperty(q => q.LeaseOwner, (string?)null)
                .SetProperty(q => q.LeaseUntil, (DateTimeOffset?)null), ct);
        if (cancelled == 1)
        {
            return true;
        }
        return await db.Questions.AnyAsync(q => q.Id == id && q.UserId == userId, ct) ? false : null;
    }

    /// <summary>An operator requeues a dead letter: queued again with fresh attempts, published by the sweeper.</summary>
    public async Task<bool> RequeueAsync(Guid id, CancellationToken ct)
    {
        var now = Now;
        return await db.Questions.Where(q => q.Id == id && q.DeadAt != null && q.Status == Failed)
            .ExecuteUpdateAsync(s => s
                .SetProperty(q => q.Status, Queued)
                .SetProperty(q => q.Attempts, 0)
                .SetProperty(q => q.DeadAt, (DateTimeOffset?)null)
                .SetProperty(q => q.FinishedAt, (DateTimeOffset?)null)
                .SetProperty(q => q.NotBefore, now)
                .SetProperty(q => q.PublishedAt, (DateTimeOffset?)null), ct) == 1;
    }

    private IQueryable<QuestionRow> Held(Guid id, string worker) =>
        db.Questions.Where(q => q.Id == id && q.Status == QuestionStatus.Answering && q.LeaseOwner == worker);

    private static string? Truncate(string? text) =>
        text is { Length: > QuestionsDbContext.MaxErrorLength } ? text[..QuestionsDbContext.MaxErrorLength] : text;
}
