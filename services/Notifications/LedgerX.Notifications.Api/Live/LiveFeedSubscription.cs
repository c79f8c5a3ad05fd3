using System.Text.Json;
using Dapr;
using LedgerX.Notifications.Api.Events;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// live.feed.v1 on the broadcast component: every replica receives every item and hands it to its own connections of the
/// item's user (usually none). Always acknowledged: the feed's durable copy is in the database, a client that missed an
/// item resumes from it, and a retry could only deliver it late. An unreadable message is dropped (no dead-letter topic:
/// nothing could ever replay it usefully).
/// </summary>
public static partial class LiveFeedSubscription
{
    public const string Route = "/events/live-feed";

    private static readonly IResult Success = TypedResults.Json(new { status = "SUCCESS" });
    private static readonly IResult Drop = TypedResults.Json(new { status = "DROP" });

    public static IEndpointRouteBuilder MapLiveFeedSubscription(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, HandleAsync)
            .WithTopic(new TopicOptions { PubsubName = Components.LivePubSub, Name = Topics.LiveFeed })
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> HandleAsync(HttpRequest request, LiveHub hub, ILogger<LiveHub> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        LiveFeedItem? item;
        try
        {
            item = await JsonSerializer.DeserializeAsync<LiveFeedItem>(request.Body, LiveFeedItem.Json, ct);
        }
        catch (JsonException)
        {
            item = null;
        }
        if (item is not { IsComplete: true })
        {
            LogMalformed(logger);
            return Drop;
        }
        hub.Dispatch(item);
        return Success;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed live.feed.v1 message dropped")]
    private static partial void LogMalformed(ILogger logger);
}
