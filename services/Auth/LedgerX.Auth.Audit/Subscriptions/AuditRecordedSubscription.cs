using System.Text.Json;
using Dapr;
using LedgerX.Auth.Audit.Chain;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LedgerX.Auth.Audit.Subscriptions;

/// <summary>
/// audit.recorded.v1, from every service's audit outbox: each event is appended to the chain once (redeliveries
/// answer SUCCESS without a second record). A payload that is not a valid event is answered DROP, which sends it to
/// <see cref="AuditLogTopics.DeadLetters"/>, with the reasons logged: it will never get better, and a 4xx or 5xx would
/// only make the sidecar retry it.
/// </summary>
public static class AuditRecordedSubscription
{
    public const string Route = "/events/audit-recorded";

    private static readonly IResult Success = TypedResults.Json(new { status = "SUCCESS" });
    private static readonly IResult Drop = TypedResults.Json(new { status = "DROP" });

    public static IEndpointRouteBuilder MapAuditRecordedSubscription(this IEndpointRouteBuilder app)
    {
        // The sidecar delivers without a user's token: the route is for it alone (Dapr's app API token guards the app
        // port where it is configured), like every subscription route.
        app.MapPost(Route, HandleAsync)
            .WithTopic(new TopicOptions { PubsubName = AuditLogTopics.PubSub, Name = AuditTopics.Recorded, DeadLetterTopic = AuditLogTopics.DeadLetters })
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> HandleAsync(
        HttpRequest request, AuditLogAppender appender, AuditLogMetrics metrics, ILogger<AuditLogAppender> logger, CancellationToken ct)
    {
        AuditRecorded? e;
        try
        {
            e = await JsonSerializer.DeserializeAsync<AuditRecorded>(request.Body, AuditOutbox.Json, ct);
        }
        catch (JsonException ex)
        {
            return Dropped(metrics, logger, request, [ex.Message]);
        }
        if (e is null)
        {
            return Dropped(metrics, logger, request, ["the body is not a JSON object"]);
        }
        if (AuditRecordedRules.Problems(e) is { Count: > 0 } problems)
        {
            return Dropped(metrics, logger, request, problems);
        }

        var result = await appender.AppendAsync(e, ct);
        metrics.Delivered(result.Duplicate ? "duplicate" : "appended");
        if (result.Duplicate)
        {
            logger.LogInformation("Audit event {EventId} is already record {Sequence}; acknowledged again", e.EventId, result.Sequence);
        }
        return Success;
    }

    private static IResult Dropped(AuditLogMetrics metrics, ILogger logger, HttpRequest request, IReadOnlyList<string> reasons)
    {
        metrics.Delivered("dropped");
        logger.LogWarning("Malformed {Topic} message {CloudEventId} dropped to {DeadLetterTopic}: {Reasons}",
            AuditTopics.Recorded, request.Headers["Cloudevent.id"].ToString(), AuditLogTopics.DeadLetters, string.Join("; ", reasons));
        return Drop;
    }
}

/// <summary>Dapr names: the component equals <c>metadata.name</c> in components/pubsub.yaml.</summary>
public static class AuditLogTopics
{
    public const string PubSub = "pubsub";

    /// <summary>Where the sidecar puts audit messages the log cannot read (DROP) or keeps failing on.</summary>
    public const string DeadLetters = "auth-service.dead-letters";
}
