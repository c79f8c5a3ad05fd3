using System.Globalization;
using System.Security.Claims;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// The live feed (docs/api/live.md): <c>GET /api/v1/live/ws</c> (WebSocket), <c>GET /api/v1/live/events</c> (Server-Sent
/// Events) and <c>POST /api/v1/live/tickets</c>. A connection streams the caller's own items only: the user is the token's
/// <c>sub</c> (or a redeemed ticket's), never a parameter. Reached from the gateway directly, not through the sidecar
/// (<c>AppApiToken:PublicPathPrefixes</c>), so each endpoint checks the caller itself.
/// </summary>
public static class LiveApi
{
    public const string Prefix = "/api/v1/live";
    public const string LastEventIdParameter = "lastEventId";
    public const string LastEventIdHeader = "Last-Event-ID";
    public const string WebSocketRequired = "websocket_required";
    public const string TooManyConnections = "too_many_connections";

    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        var live = app.MapGroup(Prefix).WithTags("Live");
        live.MapPost("/tickets", IssueTicket)
            .WithName("CreateLiveTicket").WithSummary("A single-use ticket to open a live connection without an Authorization header (browsers)")
            .RequirePermission(Permissions.NotificationsManage);
        // Anonymous at the framework level: a connection may authenticate with a ticket instead of a token, which only
        // LiveCaller can check. It refuses everything else itself.
        live.MapGet("/ws", OpenWebSocket)
            .WithName("OpenLiveWebSocket").WithSummary("The caller's live feed over a WebSocket (JSON text frames)")
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .AllowAnonymous();
        live.MapGet("/events", OpenEventStream)
            .WithName("OpenLiveEventStream").WithSummary("The caller's live feed as Server-Sent Events")
            .Produces(StatusCodes.Status200OK, contentType: SseTransport.ContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .AllowAnonymous();
        return app;
    }

    public sealed record TicketResponse(string Ticket, DateTimeOffset ExpiresAt);

    public sealed record LiveServices(LiveHub Hub, LiveSession Session, LiveTickets Tickets, IOptions<LiveOptions> Options, HttpContext Http);

    public static async Task<Results<Created<TicketResponse>, ProblemHttpResult>> IssueTicket(ClaimsPrincipal caller, LiveTickets tickets, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.SubjectId() is not { Length: > 0 } userId)
        {
            // A client-credentials token has no user, hence no feed.
            return Problems.Problem(StatusCodes.Status403Forbidden, "forbidden", "The live feed is a user's: this needs a user's token (with a sub).");
        }
        var (ticket, expiresAt) = await tickets.IssueAsync(userId, LiveCaller.TokenExpiry(caller), ct);
        return TypedResults.Created((string?)null, new TicketResponse(ticket, expiresAt));
    }

    public static async Task<IResult> OpenWebSocket([AsParameters] LiveServices s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var http = s.Http;
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, WebSocketRequired,
                "This endpoint speaks WebSocket only; use GET /api/v1/live/events for Server-Sent Events.");
        }
        var (lastEventId, invalid) = LastEventId(http.Request.Query[LastEventIdParameter], LastEventIdParameter);
        if (invalid is not null)
        {
            return invalid;
        }
        return await ServeAsync(s, async (connection, caller) =>
        {
            var options = s.Options.Value;
            using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = options.Heartbeat,
                KeepAliveTimeout = options.Heartbeat * 2,
            });
            using var transport = new WebSocketTransport(socket, options.MaxClientMessageBytes, http.RequestAborted);
            await s.Session.RunAsync(connection, caller, lastEventId, transport, http);
        });
    }

    public static async Task<IResult> OpenEventStream([AsParameters] LiveServices s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var http = s.Http;
        // The SSE standard's Last-Event-ID header (what EventSource sends when it reconnects), else the parameter.
        var header = http.Request.Headers[LastEventIdHeader];
        var (lastEventId, invalid) = header.Count > 0
            ? LastEventId(header, LastEventIdHeader)
            : LastEventId(http.Request.Query[LastEventIdParameter], LastEventIdParameter);
        if (invalid is not null)
        {
            return invalid;
        }
        return await ServeAsync(s, async (connection, caller) =>
        {
            await SseTransport.StartAsync(http.Response, retryMs: 2000, http.RequestAborted);
            await s.Session.RunAsync(connection, caller, lastEventId, new SseTransport(http.Response), http);
        });
    }

    /// <summary>What both transports share: the caller from the token or ticket, a place among the user's connections on
    /// this replica (or 429), and leaving it however the session ends.</summary>
    private static async Task<IResult> ServeAsync(LiveServices s, Func<LiveConnection, LiveCaller, Task> session)
    {
        var http = s.Http;
        var (caller, refusal) = await LiveCaller.ResolveAsync(http, s.Tickets, http.RequestAborted);
        if (caller is null)
        {
            return refusal!;
        }
        var connection = s.Hub.Open(caller.UserId);
        if (connection is null)
        {
            return TooMany(s.Options.Value);
        }
        try
        {
            await session(connection, caller);
        }
        finally
        {
            s.Hub.Leave(connection);
        }
        return Results.Empty;
    }

    private static IResult TooMany(LiveOptions options) => Problems.Problem(StatusCodes.Status429TooManyRequests, TooManyConnections,
        string.Create(CultureInfo.InvariantCulture, $"This user already has {options.MaxConnectionsPerUser} live connections open here; close one first."));

    /// <summary>Absent (live from now), or a feed id ≥ 0.</summary>
    private static (long? Value, IResult? Invalid) LastEventId(Microsoft.Extensions.Primitives.StringValues values, string field)
    {
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return (null, null);
        }
        return values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? (id, null)
            : (null, Problems.Validation(field, "The last event id is the id of a feed item: a whole number of at least 0."));
    }
}
