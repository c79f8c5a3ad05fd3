using System.Security.Claims;
using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>
/// A user's questions: ask (202 at once: stored and queued, answered by a worker), read, list, cancel, rate. The asker
/// is the token's subject; someone else's question answers 404 exactly like an unknown id.
/// </summary>
public static class QuestionsApi
{
    public const string Route = "/api/v1/questions";
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;
    public const string NotFoundCode = "question_not_found";
    public const string TooManyCode = "too_many_questions";
    public const string FinishedCode = "question_finished";
    public const string NotAnsweredCode = "question_not_answered";
    public static readonly IReadOnlyList<string> Languages = ["en", "de"];

    /// <summary>What Retry-After says when the per-user limit refuses: about one short answer's time.</summary>
    public const int RetryAfterSeconds = 5;

    public static IEndpointRouteBuilder MapQuestionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Route).WithTags("Questions").WithGroupName("v1");
        group.MapPost("/", Ask).WithName("AskQuestion").WithSummary("Ask a question about my money; answered asynchronously")
            .ProducesProblem(StatusCodes.Status429TooManyRequests).RequirePermission(Permissions.NlpAsk);
        group.MapGet("/", List).WithName("ListQuestions").WithSummary("My questions, newest first")
            .ProducesValidationProblem().RequirePermission(Permissions.NlpAsk);
        group.MapGet("/{id:guid}", Get).WithName("GetQuestion").WithSummary("A question of mine, with its answer once there")
            .ProducesProblem(StatusCodes.Status404NotFound).RequirePermission(Permissions.NlpAsk);
        group.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelQuestion").WithSummary("Stop a queued or answering question")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).RequirePermission(Permissions.NlpAsk);
        group.MapPut("/{id:guid}/rating", Rate).WithName("RateAnswer").WithSummary("Rate an answer (1-5) for evaluation")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).RequirePermission(Permissions.NlpAsk);
        return app;
    }

    public sealed record AskServices(
        QuestionsDbContext Db, QuestionStore Store, QueuePublisher Publisher, RelayedTokens Tokens, IOptions<NlpOptions> Options,
        TimeProvider Time, NlpMetrics Metrics);

    public static async Task<Results<Accepted<QuestionView>, ValidationProblem, ProblemHttpResult>> Ask(
        AskQuestion body, ClaimsPrincipal caller, HttpContext http, [AsParameters] AskServices s, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(s);
        var options = s.Options.Value;
        var text = body.Question?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return Problems.Validation("question", "Ask a question (1 to 500 characters).");
        }
        if (text.Length > QuestionsDbContext.MaxTextLength)
        {
            return Problems.Validation("question", $"A question has at most {QuestionsDbContext.MaxTextLength} characters.");
        }
        var zone = body.TimeZone ?? options.DefaultTimeZone;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            return Problems.Validation("timeZone", $"'{zone}' is not an IANA time zone (e.g. Europe/Berlin).");
        }
        var language = body.Language ?? Languages[0];
        if (!Languages.Contains(language))
        {
            return Problems.Validation("language", "The language is en or de.");
        }
        // Authentication validated this token; it is what the worker relays to the tools, so it must be the request's own.
        var token = RelayedTokens.FromRequest(http.Request)!;
        var user = caller.SubjectId()!;
        var now = s.Time.GetUtcNow();
        var row = new QuestionRow
        {
            Id = Guid.CreateVersion7(now), UserId = user, Text = text, Language = language, TimeZone = zone, Status = QuestionStatus.Queued,
            AskedAt = now, NotBefore = now, TokenProtected = s.Tokens.Protect(token), TokenExpiresAt = RelayedTokens.ExpiresAt(caller, now),
        };

        // The per-user limit holds under concurrent asks: one transaction per user at a time counts and inserts.
        await using (var transaction = await s.Db.Database.BeginTransactionAsync(ct))
        {
            await s.Db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext({"nlp-ask:" + user}))", ct);
            var active = await s.Db.Questions.CountAsync(q => q.UserId == user && QuestionStatus.Unfinished.Contains(q.Status), ct);
            if (active >= options.MaxActiveQuestionsPerUser)
            {
                http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Problem(StatusCodes.Status429TooManyRequests, TooManyCode,
                    $"You have {active} unanswered questions; ask again when one is answered (at most {options.MaxActiveQuestionsPerUser}).");
            }
            s.Db.Questions.Add(row);
            await s.Db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        s.Metrics.Asked();
        await s.Publisher.PublishAsync(row, s.Store, ct);
        return TypedResults.Accepted($"{Route}/{row.Id}", QuestionView.From(row));
    }

    public sealed record ListQuery([FromQuery] Guid? After, [FromQuery] int? Limit);

    public static async Task<Results<Ok<QuestionPage>, ValidationProblem>> List(
        [AsParameters] ListQuery q, ClaimsPrincipal caller, QuestionsDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(q);
        var size = q.Limit ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxPageSize}.");
        }
        var user = caller.SubjectId()!;
        var query = db.Questions.AsNoTracking().Where(x => x.UserId == user);
        if (q.After is { } cursor)
        {
            query = query.Where(x => x.Id.CompareTo(cursor) < 0);
        }
        var rows = await query.OrderByDescending(x => x.Id).Take(size + 1).ToListAsync(ct);
        return TypedResults.Ok(new QuestionPage([.. rows.Take(size).Select(QuestionView.From)], rows.Count > size ? rows[size - 1].Id.ToString() : null));
    }

    public static async Task<Results<Ok<QuestionView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal caller, QuestionsDbContext db, CancellationToken ct)
    {
        var user = caller.SubjectId()!;
        return await db.Questions.AsNoTracking().SingleOrDefaultAsync(q => q.Id == id && q.UserId == user, ct) is { } row
            ? TypedResults.Ok(QuestionView.From(row))
            : NotFound(id);
    }

    public static async Task<Results<Ok<QuestionView>, ProblemHttpResult>> Cancel(
        Guid id, ClaimsPrincipal caller, QuestionStore store, ActiveAnswers active, QuestionsDbContext db, NlpMetrics metrics, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(active);
        ArgumentNullException.ThrowIfNull(metrics);
        var user = caller.SubjectId()!;
        switch (await store.CancelAsync(id, user, ct))
        {
            case null:
                return NotFound(id);
            case false:
                return Problems.Conflict(FinishedCode, "The question has already finished; there is nothing to cancel.");
        }
        // Answering here: stop at once. Answering on another replica: its worker sees the status at its next poll.
        active.Cancel(id);
        metrics.Finished(QuestionStatus.Cancelled, null);
        return TypedResults.Ok(QuestionView.From(await db.Questions.AsNoTracking().SingleAsync(q => q.Id == id, ct)));
    }

    public static async Task<Results<Ok<QuestionView>, ValidationProblem, ProblemHttpResult>> Rate(
        Guid id, RateAnswer body, ClaimsPrincipal caller, QuestionsDbContext db, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(time);
        if (body.Score is not (>= 1 and <= 5))
        {
            return Problems.Validation("score", "The score is a whole number from 1 to 5.");
        }
        if (body.Comment is { Length: > QuestionsDbContext.MaxCommentLength })
        {
            return Problems.Validation("comment", $"A comment has at most {QuestionsDbContext.MaxCommentLength} characters.");
        }
        var user = caller.SubjectId()!;
        var now = time.GetUtcNow();
        var rated = await db.Questions
            .Where(q => q.Id == id && q.UserId == user && (q.Status == QuestionStatus.Answered || q.Status == QuestionStatus.Refused))
            .ExecuteUpdateAsync(u => u.SetProperty(q => q.RatingScore, body.Score).SetProperty(q => q.RatingComment, body.Comment)
                .SetProperty(q => q.RatedAt, now), ct);
        var row = await db.Questions.AsNoTracking().SingleOrDefaultAsync(q => q.Id == id && q.UserId == user, ct);
        if (row is null)
        {
            return NotFound(id);
        }
        return rated == 1
            ? TypedResults.Ok(QuestionView.From(row))
            : Problems.Conflict(NotAnsweredCode, $"Only an answered or refused question can be rated; this one is {row.Status}.");
    }

    private static ProblemHttpResult NotFound(Guid id) => Problems.NotFound(NotFoundCode, $"There is no question {id} of yours.");
}
