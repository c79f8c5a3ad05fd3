using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resiliency;
using LedgerX.LocalDapr.Resources;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>A subscription in force on this sidecar, with its routing rules compiled (and its batcher when bulk).</summary>
public sealed record ActiveSubscription(SubscriptionResource Resource, IReadOnlyList<(CelMatch Match, string Path)> Rules, BulkDelivery? Bulk = null)
{
    public string? Route(JsonObject cloudEvent)
    {
        foreach (var (match, path) in Rules)
        {
            if (match.Matches(cloudEvent))
            {
                return path;
            }
        }

        return Resource.Routes.Default;
    }
}

/// <summary>
/// Publishing (envelope built as daprd builds it) and delivery to the app as daprd's HTTP "postman" does it
/// (pkg/runtime/subscription/postman/http/http.go), or through <c>OnTopicEvent</c> to a gRPC app: POST /{route} with <c>application/cloudevents+json</c>, SUCCESS/RETRY/DROP,
/// 404 drops, other failures retried under the component's inbound Resiliency policy, then the dead-letter topic.
/// </summary>
public sealed class PubSubService : IAsyncDisposable
{
    private const int MaxAppResponseBytes = 64 * 1024;

    private readonly string _appId;
    private readonly IReadOnlyDictionary<string, PubSubComponent> _components;
    private readonly AppChannel _app;
    private readonly ResiliencyProvider _resiliency;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Tracing.SidecarTracer _tracer;
    private readonly Metrics.SidecarMetrics _metrics;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<ActiveSubscription> _subscriptions = [];

    public PubSubService(string appId, IReadOnlyDictionary<string, PubSubComponent> components, AppChannel app, ResiliencyProvider resiliency, PubSubActivityLog log, Tracing.SidecarTracer tracer, Metrics.SidecarMetrics metrics, TimeProvider time, ILogger logger)
    {
        _tracer = tracer;
        _metrics = metrics;
        _appId = appId;
        _components = components;
        _app = app;
        _resiliency = resiliency;
        Log = log;
        _time = time;
        _logger = logger;
    }

    public PubSubActivityLog Log { get; }

    public IReadOnlyList<ActiveSubscription> Subscriptions
    {
        get
        {
            lock (_subscriptions)
            {
                return [.. _subscriptions];
            }
        }
    }

    public IReadOnlyDictionary<string, PubSubComponent> Components => _components;

    /// <param name="grpcApi">True for the gRPC API, whose lookup errors carry no request metadata (see <see cref="Resolve"/>).</param>
    public async Task PublishAsync(PublishRequest request, CancellationToken cancellationToken, bool grpcApi = false)
    {
        var component = ResolveForPublish(request.PubsubName, request.Topic, request.Metadata, grpcApi);
        byte[] stored;
        try
        {
            stored = CloudEventEnvelope.Build(request, _appId, _time.GetUtcNow(), componentHasNativeTtl: false);
        }
        catch (FormatException ex)
        {
            // pkg/api/errors/pubsub.go CloudEventCreation, built WithAppError(appID, err).
            throw Error(StatusCode.InvalidArgument, 500, "ERR_PUBSUB_CLOUD_EVENTS_SER", "cannot create cloudevent", "DAPR_PUBSUB_CLOUD_EVENT_CREATION", request.PubsubName, new Dictionary<string, string> { ["appID"] = _appId, ["error"] = ex.Message });
        }

        var message = new BrokerMessage(request.Topic, stored, request.Metadata);
        try
        {
            await _resiliency.ForComponentOutbound(component.Name).ExecuteAsync(
                async ct =>
                {
                    await component.Broker.PublishAsync(message, ct);
                    return true;
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _metrics.PubSubEgress(component.Name, request.Topic, success: false);
            // pkg/api/errors/pubsub.go PublishMessage: ResourceInfo, ErrorInfo with the topic and the broker's error.
            throw Error(StatusCode.Internal, 500, "ERR_PUBSUB_PUBLISH_MESSAGE", $"error when publishing to topic {request.Topic} in pubsub {request.PubsubName}: {ex.Message}", "DAPR_PUBSUB_PUBLISH_MESSAGE", request.PubsubName, new Dictionary<string, string> { ["topic"] = request.Topic, ["error"] = ex.Message });
        }

        _metrics.PubSubEgress(component.Name, request.Topic, success: true);
        Log.Record(new PublishedMessage(request.PubsubName, request.Topic, stored, request.Metadata, _time.GetUtcNow()));
    }

    /// <summary>
    /// Validates names the way daprd does before anything is published, with the errors of pkg/api/errors/pubsub.go:
    /// <c>errorCode</c> and message, plus google.rpc details: ResourceInfo (not for "not configured"/"not found") and
    /// ErrorInfo <c>DAPR_PUBSUB_*</c> whose metadata is the request's. daprd's gRPC API
    /// (pkg/api/grpc/grpc.go <c>validateAndGetPubsubAndTopic</c>) leaves it out of the two lookup errors; its HTTP API
    /// (pkg/api/http/http.go) always sends it.
    /// </summary>
    public PubSubComponent Resolve(string pubsubName, string topic, IReadOnlyDictionary<string, string>? metadata = null, bool grpcApi = false)
    {
        var lookupMetadata = grpcApi ? null : metadata;
        if (_components.Count == 0)
        {
            throw Error(StatusCode.FailedPrecondition, 400, "ERR_PUBSUB_NOT_CONFIGURED", $"pubsub {pubsubName} is not configured", "DAPR_PUBSUB_NOT_CONFIGURED", null, lookupMetadata);
        }

        if (string.IsNullOrEmpty(pubsubName))
        {
            throw Error(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_EMPTY", "pubsub name is empty", "DAPR_PUBSUB_NAME_EMPTY", "", metadata);
        }

        if (!_components.TryGetValue(pubsubName, out var component))
        {
            throw Error(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_NOT_FOUND", $"pubsub {pubsubName} is not found", "DAPR_PUBSUB_NOT_FOUND", null, lookupMetadata);
        }

        if (string.IsNullOrEmpty(topic))
        {
            throw Error(StatusCode.InvalidArgument, 404, "ERR_TOPIC_NAME_EMPTY", $"topic is empty in pubsub {pubsubName}", "DAPR_PUBSUB_TOPIC_NAME_EMPTY", pubsubName, metadata);
        }

        return component;
    }

    /// <summary>
    /// <see cref="Resolve"/>, then the component's scopes (publishingScopes, allowedTopics, protectedTopics) for this app,
    /// refused as daprd's PubSubPublishForbidden: 403 / PermissionDenied <c>ERR_PUBSUB_FORBIDDEN</c>.
    /// </summary>
    public PubSubComponent ResolveForPublish(string pubsubName, string topic, IReadOnlyDictionary<string, string>? metadata = null, bool grpcApi = false)
    {
        var component = Resolve(pubsubName, topic, metadata, grpcApi);
        if (!component.Scopes.MayPublish(topic))
        {
            string message = $"topic {topic} is not allowed for app id {_appId}";
            throw new DaprApiException(StatusCode.PermissionDenied, 403, "ERR_PUBSUB_FORBIDDEN", message)
                .WithErrorInfo("DAPR_PUBSUB_FORBIDDEN", new Dictionary<string, string> { ["topic"] = topic, ["error"] = message })
                .WithResourceInfo("pubsub", pubsubName, message);
        }

        return component;
    }

    /// <summary>One error as pkg/api/errors/pubsub.go <c>build</c> makes it; <paramref name="resourceName"/> null skips ResourceInfo.</summary>
    private static DaprApiException Error(StatusCode grpc, int http, string errorCode, string message, string reason, string? resourceName, IReadOnlyDictionary<string, string>? metadata)
    {
        var error = new DaprApiException(grpc, http, errorCode, message);
        if (resourceName is not null)
        {
            error.WithResourceInfo("pubsub", resourceName, message);
        }

        return error.WithErrorInfo(reason, metadata);
    }

    /// <summary>Starts consuming for every subscription whose pub/sub exists (daprd skips the others with a warning).</summary>
    public async Task StartSubscriptionsAsync(IEnumerable<SubscriptionResource> subscriptions)
    {
        foreach (var resource in subscriptions)
        {
            if (!_components.TryGetValue(resource.PubsubName, out var component))
            {
                _logger.LogWarning("subscription to topic {Topic} names unknown pubsub {Pubsub}; skipped", resource.Topic, resource.PubsubName);
                continue;
            }

            if (!component.Scopes.MaySubscribe(resource.Topic))
            {
                // daprd leaves out a subscription its scopes (subscriptionScopes, allowedTopics, protectedTopics) refuse.
                _logger.LogWarning("subscription to topic {Topic} on pubsub {Pubsub} is not allowed for app id {AppId} by the component's scopes; skipped", resource.Topic, resource.PubsubName, _appId);
                continue;
            }

            var rules = resource.Routes.Rules
                .Select(r => (Match: CelMatch.Parse(r.Match.Length == 0 ? "true" : r.Match), r.Path))
                .ToList();
            var bulk = resource.Bulk is { } options
                ? new BulkDelivery(options, component.Name, resource.Topic, _app, _resiliency.ForComponentInbound(component.Name), _stopping.Token)
                : null;
            var active = new ActiveSubscription(resource, rules, bulk);
            lock (_subscriptions)
            {
                _subscriptions.Add(active);
            }

            await component.Broker.SubscribeAsync(
                resource.Topic,
                component.ConsumerId,
                (message, ct) => HandleAsync(component, active, message, ct),
                resource.Bulk?.MaxMessagesCount ?? 1,
                _stopping.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var component in _components.Values.Where(c => c.OwnsBroker))
        {
            await component.Broker.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task HandleAsync(PubSubComponent component, ActiveSubscription subscription, BrokerMessage message, CancellationToken stoppingToken)
    {
        var resource = subscription.Resource;
        JsonObject envelope = resource.RawPayload
            ? JsonNode.Parse(CloudEventEnvelope.WrapRaw(message.Data, component.Name, message.Topic, _appId))!.AsObject()
            : CloudEventEnvelope.ParseForDelivery(message.Data, component.Name, message.Topic, _appId);
        string? id = envelope["id"] is JsonValue idValue && idValue.TryGetValue(out string? s) ? s : null;

        if (CloudEventEnvelope.IsExpired(envelope, _time.GetUtcNow()))
        {
            _logger.LogInformation("dropping expired message {Id} on topic {Topic}", id, message.Topic);
            await DeadLetterOrRecordAsync(component, resource, message, id, null, DeliveryOutcome.Expired, 0);
            return;
        }

        string? route = subscription.Route(envelope);
        if (route is null)
        {
            await DeadLetterOrRecordAsync(component, resource, message, id, null, DeliveryOutcome.NoRoute, 0);
            return;
        }

        if (!_app.HasApp)
        {
            throw new InvalidOperationException("no app port configured; cannot deliver");
        }

        if (subscription.Bulk is { } bulk)
        {
            await HandleBulkEntryAsync(component, resource, bulk, message, envelope, id, route, stoppingToken);
            return;
        }

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(envelope);
        string? parent = envelope["traceparent"] is JsonValue tpv && tpv.TryGetValue(out string? tp) ? tp : null;
        using var span = _tracer.Start($"pubsub/{message.Topic}", System.Diagnostics.ActivityKind.Consumer, parent, [new("messaging.system", component.Type), new("messaging.destination", message.Topic), new("messaging.message_id", id ?? "")]);
        int attempts = 0;
        try
        {
            AppVerdict verdict = await _resiliency.ForComponentInbound(component.Name).ExecuteAsync(
                ct =>
                {
                    attempts++;
                    return DeliverOnceAsync(component.Name, message.Topic, route, body, envelope, message.Metadata, ct);
                },
                stoppingToken);

            if (verdict == AppVerdict.Drop)
            {
                await DeadLetterOrRecordAsync(component, resource, message, id, route, DeliveryOutcome.Dropped, attempts);
                return;
            }

            if (verdict == AppVerdict.NotFound)
            {
                // Acknowledged without dead-lettering, as daprd's postman returns no error for a 404.
                Record(new DeliveryRecord(component.Name, message.Topic, route, id, DeliveryOutcome.Dropped, attempts, _time.GetUtcNow()));
                return;
            }

            Record(new DeliveryRecord(component.Name, message.Topic, route, id, DeliveryOutcome.Success, attempts, _time.GetUtcNow()));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            if (resource.DeadLetterTopic is not null)
            {
                await DeadLetterOrRecordAsync(component, resource, message, id, route, DeliveryOutcome.Failed, attempts);
                return;
            }

            Record(new DeliveryRecord(component.Name, message.Topic, route, id, DeliveryOutcome.Failed, attempts, _time.GetUtcNow()));
            throw;
        }
    }

    private async Task HandleBulkEntryAsync(PubSubComponent component, SubscriptionResource resource, BulkDelivery bulk, BrokerMessage message, JsonObject envelope, string? id, string route, CancellationToken stoppingToken)
    {
        var outcome = await bulk.SubmitAsync(new BulkEntry(route, envelope, message.Metadata)).WaitAsync(stoppingToken);
        switch (outcome.Verdict)
        {
            case BulkVerdict.Success:
                Record(new DeliveryRecord(component.Name, message.Topic, route, id, DeliveryOutcome.Success, outcome.Attempts, _time.GetUtcNow()));
                break;
            case BulkVerdict.Drop:
                await DeadLetterOrRecordAsync(component, resource, message, id, route, DeliveryOutcome.Dropped, outcome.Attempts);
                break;
            case BulkVerdict.NotFound:
                Record(new DeliveryRecord(component.Name, message.Topic, route, id, DeliveryOutcome.Dropped, outcome.Attempts, _time.GetUtcNow()));
                break;
            default:
                if (resource.DeadLetterTopic is not null)
                {
                    await DeadLetterOrRecordAsync(component, resource, message, id, route, DeliveryOutcome.Failed, outcome.Attempts);
                    break;
                }

                Record(new DeliveryRecord(component.Name, message.Topic, route, id, DeliveryOutcome.Failed, outcome.Attempts, _time.GetUtcNow()));
                throw outcome.Error ?? new AttemptFailedException($"bulk entry on route {route} failed");
        }
    }

    /// <summary>Every delivery outcome goes to the test-visible log and to daprd's ingress metric.</summary>
    private void Record(DeliveryRecord record)
    {
        _metrics.PubSubIngress(record.PubsubName, record.Topic, record.Outcome switch
        {
            DeliveryOutcome.Success => "success",
            DeliveryOutcome.Failed => "retry",
            _ => "drop",
        });
        Log.Record(record);
    }

    internal enum AppVerdict
    {
        Success,
        Drop,
        NotFound,
    }

    /// <summary>Throws <see cref="AttemptFailedException"/> when the app wants a retry (RETRY, unknown status, non-2xx but 404).</summary>
    private async Task<AppVerdict> DeliverOnceAsync(string pubsubName, string topic, string route, byte[] body, JsonObject envelope, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        if (_app.Grpc is { } grpc)
        {
            return await GrpcTopicDelivery.DeliverAsync(grpc, pubsubName, topic, route, envelope, metadata, cancellationToken);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, route.TrimStart('/'))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(CloudEventEnvelope.ContentType);
        request.Headers.TryAddWithoutValidation("pubsubname", pubsubName);
        foreach (var (key, value) in metadata)
        {
            if (!key.StartsWith("cloudevent.", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(key, value);
            }
        }

        var response = await AppDelivery.SendAsync(_app, request, $"error delivering to app route {route}", cancellationToken);

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                // daprd's HTTP postman treats 404 as "this app will never handle it": logged and not retried (postman/http/http.go).
                _logger.LogWarning("app returned 404 for route {Route}; message dropped", route);
                return AppVerdict.NotFound;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new AttemptFailedException($"app returned {(int)response.StatusCode} for route {route}", (int)response.StatusCode);
            }

            string? status = await ReadStatusAsync(response, cancellationToken);
            return status?.ToUpperInvariant() switch
            {
                null or "" or "SUCCESS" => AppVerdict.Success,
                "DROP" => AppVerdict.Drop,
                _ => throw new AttemptFailedException($"app asked to {status} the message on route {route}", (int)response.StatusCode),
            };
        }
    }

    private static async Task<string?> ReadStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxAppResponseBytes];
        int total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        try
        {
            // A non-JSON body, or JSON without a status, counts as SUCCESS (DOCS pubsub_api.md).
            return JsonNode.Parse(buffer.AsSpan(0, total)) is JsonObject obj
                && obj.FirstOrDefault(p => string.Equals(p.Key, "status", StringComparison.OrdinalIgnoreCase)).Value is JsonValue v
                && v.TryGetValue(out string? status) ? status : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task DeadLetterOrRecordAsync(PubSubComponent component, SubscriptionResource resource, BrokerMessage message, string? id, string? route, DeliveryOutcome outcome, int attempts)
    {
        if (resource.DeadLetterTopic is { } deadLetter && outcome is not DeliveryOutcome.Success)
        {
            // The original message goes to the dead-letter topic; only then may the source message be acknowledged.
            try
            {
                // daprd publishes to the dead-letter topic as the subscribing app, so its publishing scopes apply.
                if (!component.Scopes.MayPublish(deadLetter))
                {
                    throw new InvalidOperationException($"topic {deadLetter} is not allowed for app id {_appId}");
                }

                await component.Broker.PublishAsync(message with { Topic = deadLetter }, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Acknowledging now would lose the message: the broker keeps it and delivers it again.
                Record(new DeliveryRecord(component.Name, message.Topic, route, id, DeliveryOutcome.Failed, attempts, _time.GetUtcNow()));
                throw new DeadLetterPublishException($"could not publish message {id} to dead-letter topic {deadLetter}: {ex.Message}", ex);
            }

            outcome = DeliveryOutcome.DeadLettered;
        }

        Record(new DeliveryRecord(component.Name, message.Topic, route, id, outcome, attempts, _time.GetUtcNow()));
    }
}
