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

    public sealed record RatingsQuery([FromQuery] DateTimeOffset? Since, [FromQuery] int? Limit);

    public static async Task<Results<Ok<RatingPage>, ValidationProblem>> Ratings([AsParameters] RatingsQuery q, QuestionsDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(db);
        var size = q.Limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxLimit}.");
        }
        var since = q.Since ?? DateTimeOffset.MinValue;
        var rows = await db.Questions.AsNoTracking().Where(x => x.RatedAt != null && x.RatedAt > since)
            .OrderBy(x => x.RatedAt).ThenBy(x => x.Id).Take(size).ToListAsync(ct);
        // The next page starts after the last rating returned (ratings rated in the same microsecond may repeat, never vanish).
        var next = rows.Count == size ? rows[^1].RatedAt!.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new RatingPage([.. rows.Select(RatingExport.From)], next));
    }
}
