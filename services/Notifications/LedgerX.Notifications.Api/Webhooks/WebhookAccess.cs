using System.Security.Claims;
using LedgerX.Notifications.Api.Webhooks.Persistence;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// Object-level access in one place: an endpoint belongs to the token subject that created it. Handlers look endpoints
/// up through these, so someone else's endpoint is indistinguishable from a missing one (404). Operators
/// (<c>notifications:operate</c>) may read any user's endpoints and delivery logs and redeliver, never change them.
/// </summary>
public static class WebhookAccess
{
    /// <summary>The endpoints <paramref name="caller"/> may change: their own.</summary>
    public static IQueryable<WebhookEndpointRow> OwnedBy(this WebhooksDbContext db, ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var subject = caller.SubjectId() ?? "";
        return db.Endpoints.Where(e => e.UserId == subject);
    }

    /// <summary>The endpoints <paramref name="caller"/> may read and redeliver on: their own, or any for an operator.</summary>
    public static IQueryable<WebhookEndpointRow> VisibleTo(this WebhooksDbContext db, ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.HasPermission(Permissions.NotificationsOperate) ? db.Endpoints : db.OwnedBy(caller);
    }
}
