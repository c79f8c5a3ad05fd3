using System.Security.Claims;
using LedgerX.Notifications.Api.Delivery;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Apis;

/// <summary>
/// A user's notification history, newest first (keyset paging), with the status of each channel. A customer sees only
/// their own (the token's subject); an operator (notifications:operate) may name any user with <c>userId</c>.
/// </summary>
public static class NotificationsApi
{
    public const string Route = "/api/v1/notifications";
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup(Route).WithTags("Notifications").WithGroupName("v1")
            .MapGet("/", List).WithName("ListNotifications").WithSummary("My notifications, newest first, with each channel's status")
            .ProducesValidationProblem().RequirePermission(Permissions.NotificationsManage);
        return app;
    }

    public sealed record ListQuery([FromQuery] string? UserId, [FromQuery] Guid? After, [FromQuery] int? Limit);

    public static async Task<Results<Ok<NotificationPage>, ValidationProblem>> List(
        [AsParameters] ListQuery q, ClaimsPrincipal caller, DeliveryDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(q);
        var size = q.Limit ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxPageSize}.");
        }
        var subject = caller.SubjectId()!;
        var operatorView = caller.HasPermission(Permissions.NotificationsOperate);
        // A customer naming someone else sees their own history: another user's is never visible, not even as an error.
        var user = operatorView && q.UserId is { Length: > 0 } named ? named : subject;
        var query = db.Notifications.AsNoTracking().Where(n => n.UserId == user);
        if (q.After is { } cursor)
        {
            query = query.Where(n => n.Id.CompareTo(cursor) < 0);
        }
        var rows = await query.OrderByDescending(n => n.Id).Take(size + 1).ToListAsync(ct);
        var items = rows.Take(size).Select(n => NotificationView.From(n, operatorView)).ToList();
        return TypedResults.Ok(new NotificationPage(items, rows.Count > size ? rows[size - 1].Id.ToString() : null));
    }
}

public sealed record NotificationPage(IReadOnlyList<NotificationView> Items, string? NextCursor);

/// <summary>One notification on one channel. The destination is masked (an e-mail shows its first letter and domain);
/// the provider's error is shown to operators only.</summary>
public sealed record NotificationView(
    Guid Id, Guid EventId, string Kind, string Channel, string Status, string? SkipReason, string? Destination, string? Subject,
    string? TemplateId, Guid? AccountId, Money? Amount, int Attempts, DateTimeOffset OccurredAt, DateTimeOffset CreatedAt,
    DateTimeOffset? NotBefore, DateTimeOffset? SentAt, string? LastError)
{
    public static NotificationView From(NotificationRow n, bool operatorView)
    {
        ArgumentNullException.ThrowIfNull(n);
        return new NotificationView(n.Id, n.EventId, n.Kind, n.Channel, n.Status, n.SkipReason, Mask(n.Destination), n.Subject, n.TemplateId,
            n.AccountId, n.Amount is { } a && n.Currency is { } c ? new Money(a, c) : null, n.Attempts, n.OccurredAt, n.CreatedAt,
            n.Status == NotificationStatus.Pending ? n.NextAttemptAt : null, n.SentAt, operatorView ? n.LastError : null);
    }

    public static string? Mask(string? destination) => destination switch
    {
        null => null,
        _ when destination.IndexOf('@', StringComparison.Ordinal) is > 0 and var at => destination[0] + "***" + destination[at..],
        { Length: > 4 } => "***" + destination[^4..],
        _ => "***",
    };
}
