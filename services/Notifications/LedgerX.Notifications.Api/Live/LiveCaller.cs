using System.Globalization;
using System.Security.Claims;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Notifications.Api.Live;

/// <summary>Who a live connection belongs to, and until when its credentials hold.</summary>
public sealed record LiveCaller(string UserId, DateTimeOffset? ExpiresAt)
{
    public const string TicketParameter = "ticket";
    public const string AccessTokenParameter = "access_token";
    public const string TicketInvalid = "ticket_invalid";
    public const string TokenInQuery = "token_in_query";

    /// <summary>
    /// The caller of a connection request: the access token's subject (it must grant <c>notifications:manage</c>), else the
    /// user of a redeemed <c>ticket</c>. Never the body, never another parameter. An <c>access_token</c> in the query is
    /// refused outright (400) rather than ignored, so a client that tries learns why at once.
    /// </summary>
    public static async Task<(LiveCaller? Caller, IResult? Refusal)> ResolveAsync(HttpContext http, LiveTickets tickets, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var query = http.Request.Query;
        if (query.ContainsKey(AccessTokenParameter))
        {
            return (null, Problems.Problem(StatusCodes.Status400BadRequest, TokenInQuery,
                "Access tokens are never accepted in a URL (they end up in logs); send Authorization, or get a ticket from POST /api/v1/live/tickets."));
        }
        var user = http.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            if (!user.HasPermission(Permissions.NotificationsManage) || string.IsNullOrEmpty(user.SubjectId()))
            {
                return (null, Problems.Problem(StatusCodes.Status403Forbidden, "forbidden",
                    $"This needs a user's token (with a sub) granting {Permissions.NotificationsManage}."));
            }
            return (new LiveCaller(user.SubjectId()!, TokenExpiry(user)), null);
        }
        if (query[TicketParameter] is { Count: 1 } ticket && !string.IsNullOrEmpty(ticket[0]))
        {
            var redeemed = await tickets.RedeemAsync(ticket[0]!, ct);
            return redeemed is null
                ? (null, Problems.Problem(StatusCodes.Status401Unauthorized, TicketInvalid,
                    "The ticket is unknown, already used or expired; get a new one from POST /api/v1/live/tickets."))
                : (new LiveCaller(redeemed.UserId, redeemed.TokenExpiresAt), null);
        }
        return (null, Results.Challenge());
    }

    /// <summary>The access token's <c>exp</c>, when it has one.</summary>
    public static DateTimeOffset? TokenExpiry(ClaimsPrincipal user) =>
        long.TryParse(user?.FindFirst("exp")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
