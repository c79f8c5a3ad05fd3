using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>Operators (nlp:operate): the questions given up after their last attempt (requeue one with fresh attempts),
/// and the ratings export for evaluation.</summary>
public static class OperatorsApi
{
    public const string Route = "/api/v1/nlp";
    public const int MaxLimit = 1000;
    public const int DefaultLimit = 100;
    public const string DeadLetterNotFoundCode = "dead_letter_not_found";

    public static IEndpointRouteBuilder MapOperatorsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Route).WithTags("Operators").WithGroupName("v1");
        group.MapGet("/dead-letters", DeadLetters).WithName("ListQuestionDeadLetters").WithSummary("Questions given up, newest first")
            .ProducesValidationProblem().RequirePermission(Permissions.NlpOperate);
        group.MapPost("/dead-letters/{id:guid}/requeue", Requeue).WithName("RequeueQuestion").WithSummary("Queue a given-up question again, with fresh attempts")
            .ProducesProblem(StatusCodes.Status404NotFound).RequirePermission(Permissions.NlpOperate);
        group.MapGet("/ratings", Ratings).WithName("ExportRatings").WithSummary("Rated answers since a time, oldest first, for evaluation")
            .ProducesValidationProblem().RequirePermission(Permissions.NlpOperate);
        return app;
    }

    public static async Task<Results<Ok<DeadLetterPage>, ValidationProblem>> DeadLetters([FromQuery] int? limit, QuestionsDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxLimit}.");
        }
        var rows = await db.Questions.AsNoTracking().Where(q => q.DeadAt != null).OrderByDescending(q => q.DeadAt).ThenByDescending(q => q.Id)
            .Take(size).ToListAsync(ct);
        return TypedResults.Ok(new DeadLetterPage([.. rows.Select(DeadLetterView.From)]));
    }

    public static async Task<Results<Accepted, ProblemHttpResult>> Requeue(Guid id, QuestionStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        // The sweeper publishes it at its next pass (published_at is null): one path for every (re)publish.
        return await store.RequeueAsync(id, ct)
            ? TypedResults.Accepted($"{QuestionsApi.Route}/{id}")
            : Problems.NotFound(DeadLetterNotFoundCode, $"There is no dead-lettered question {id}.");
    }

    public sealed record RatingsQuery([FromQuery] DateTimeOffset? Since, [FromQuery] string? After, [FromQuery] int? Limit);

    public static async Task<Results<Ok<RatingPage>, ValidationProblem>> Ratings([AsParameters] RatingsQuery q, QuestionsDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(db);
        var size = q.Limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxLimit}.");
        }
        var rated = db.Questions.AsNoTracking().Where(x => x.RatedAt != null);
        if (q.After is not null)
        {
            // The cursor is the last row's (ratedAt, id), the order's own key: ratings sharing a timestamp at a page
            // boundary are neither repeated nor skipped.
            if (RatingCursor.Parse(q.After) is not var (at, id))
            {
                return Problems.Validation("after", "Pass the nextCursor of the previous page unchanged.");
            }
            rated = rated.Where(x => x.RatedAt > at || (x.RatedAt == at && x.Id.CompareTo(id) > 0));
        }
        else if (q.Since is { } since)
        {
            rated = rated.Where(x => x.RatedAt > since);
        }
        var rows = await rated.OrderBy(x => x.RatedAt).ThenBy(x => x.Id).Take(size).ToListAsync(ct);
        var next = rows.Count == size ? RatingCursor.Of(rows[^1].RatedAt!.Value, rows[^1].Id) : null;
        return TypedResults.Ok(new RatingPage([.. rows.Select(RatingExport.From)], next));
    }
}

/// <summary>The ratings export's page cursor: <c>{ratedAt:O}_{id}</c> of the last rating returned.</summary>
internal static class RatingCursor
{
    public static string Of(DateTimeOffset ratedAt, Guid id) =>
        $"{ratedAt.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture)}_{id:N}";

    public static (DateTimeOffset At, Guid Id)? Parse(string cursor)
    {
        var cut = cursor.LastIndexOf('_');
        return cut > 0
            && DateTimeOffset.TryParseExact(cursor[..cut], "O", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.None, out var at)
            && Guid.TryParseExact(cursor[(cut + 1)..], "N", out var id)
                ? (at, id)
                : null;
    }
}
