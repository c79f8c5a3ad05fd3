using LedgerX.Notifications.Api.Delivery;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LedgerX.Notifications.Api.Apis;

/// <summary>Operators (notifications:operate) list the dead letters of every delivery module (<see cref="IDeadLetterSource"/>:
/// e-mail, SMS, push, webhooks) and replay one.</summary>
public static class DeadLettersApi
{
    public const string Route = "/api/v1/notifications/dead-letters";
    public const int MaxLimit = 500;
    public const int DefaultLimit = 100;

    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Route).WithTags("Dead letters").WithGroupName("v1");
        group.MapGet("/", List).WithName("ListDeadLetters").WithSummary("Dead letters of every channel, newest first")
            .ProducesValidationProblem().RequirePermission(Permissions.NotificationsOperate);
        group.MapPost("/{channel}/{id:guid}/replay", Replay).WithName("ReplayDeadLetter").WithSummary("Send a dead letter again, with fresh attempts")
            .ProducesProblem(StatusCodes.Status404NotFound).RequirePermission(Permissions.NotificationsOperate);
        return app;
    }

    public static async Task<Results<Ok<DeadLetterPage>, ValidationProblem>> List(
        [FromQuery] int? limit, IEnumerable<IDeadLetterSource> sources, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxLimit}.");
        }
        var all = new List<DeadLetter>();
        foreach (var source in sources)
        {
            all.AddRange(await source.ListAsync(size, ct));
        }
        return TypedResults.Ok(new DeadLetterPage([.. all.OrderByDescending(d => d.DeadAt).ThenByDescending(d => d.Id).Take(size)]));
    }

    public static async Task<Results<Accepted, ProblemHttpResult>> Replay(
        string channel, Guid id, IEnumerable<IDeadLetterSource> sources, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.FirstOrDefault(s => s.Channel == channel) is { } source && await source.ReplayAsync(id, ct))
        {
            return TypedResults.Accepted((string?)null);
        }
        return Problems.NotFound("dead_letter_not_found", $"There is no dead letter {id} on channel '{channel}'.");
    }
}

public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> Items);
