using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resiliency;
using LedgerX.LocalDapr.Resources;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// An <c>appProtocol: grpc</c> app's subscriptions: <c>ListTopicSubscriptions</c> when the app is up, read as daprd
/// reads it (pkg/runtime/pubsub/subscriptions.go <c>GetSubscriptionsGRPC</c>, <c>parseRoutingRulesGRPC</c>).
/// </summary>
internal static class GrpcAppDiscovery
{
    public static async Task<IReadOnlyList<SubscriptionResource>> SubscriptionsAsync(AppCallbackChannel app, SidecarOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = options.TimeProvider.GetUtcNow() + options.AppReadyTimeout;
        await WaitForAppPortAsync(options, deadline, cancellationToken);
        while (true)
        {
            try
            {
                var response = await app.ListTopicSubscriptionsAsync(cancellationToken);
                if (response.Subscriptions.Count > SubscriptionDiscovery.MaxSubscriptions)
                {
                    throw new InvalidOperationException($"ListTopicSubscriptions of {options.AppId} returned more than {SubscriptionDiscovery.MaxSubscriptions} subscriptions");
                }

                return [.. response.Subscriptions.Select(ToResource)];
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
            {
                logger.LogInformation("pubsub subscriptions: gRPC app {AppId} does not implement ListTopicSubscriptions", options.AppId);
                return [];
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && options.TimeProvider.GetUtcNow() < deadline)
            {
                // Not listening yet: daprd waits for the app port before asking.
                await Task.Delay(TimeSpan.FromMilliseconds(100), options.TimeProvider, cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                throw new TimeoutException($"gRPC app {options.AppId} did not answer on port {options.AppPort} within {options.AppReadyTimeout}", ex);
            }
        }
    }

    /// <summary>
    /// Like daprd (it dials the app port every 100 ms before it opens the app channel): a gRPC call to a port nobody
    /// listens on puts the channel into reconnect backoff, so calls made just after the app starts would fail with
    /// Unavailable for up to the backoff (seconds) although the app is up.
    /// </summary>
    private static async Task WaitForAppPortAsync(SidecarOptions options, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(options.AppChannelAddress, options.AppPort!.Value, cancellationToken);
                return;
            }
            catch (SocketException) when (options.TimeProvider.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), options.TimeProvider, cancellationToken);
            }
            catch (SocketException ex)
            {
                throw new TimeoutException($"gRPC app {options.AppId} did not listen on port {options.AppPort} within {options.AppReadyTimeout}", ex);
            }
        }
    }

    private static SubscriptionResource ToResource(TopicSubscription s)
    {
        var rules = (s.Routes?.Rules ?? []).Select(r => new SubscriptionRule(r.Match, r.Path)).ToList();
        // gRPC subscriptions always have a default route: "" when the app names none (parseRoutingRulesGRPC).
        string? defaultRoute = s.Routes is { Default.Length: > 0 } ? s.Routes.Default : rules.Count == 0 ? "" : null;
        var bulk = s.BulkSubscribe is { Enabled: true } b
            ? BulkSubscribeOptions.Create(b.MaxMessagesCount == 0 ? null : b.MaxMessagesCount, b.MaxAwaitDurationMs == 0 ? null : b.MaxAwaitDurationMs)
            : null;
        return new SubscriptionResource(
            $"{s.PubsubName}/{s.Topic}",
            s.PubsubName,
            s.Topic,
            new SubscriptionRoutes(defaultRoute, rules),
            s.DeadLetterTopic.Length == 0 ? null : s.DeadLetterTopic,
            new Dictionary<string, string>(s.Metadata, StringComparer.Ordinal),
            [],
            Declarative: false,
            bulk);
    }
}

/// <summary>
/// One delivery to a gRPC app through <c>OnTopicEvent</c>, as daprd's gRPC postman sends it
/// (pkg/runtime/subscription/postman/grpc/grpc.go, the envelope of pkg/runtime/pubsub/subscriptions.go
/// <c>GRPCEnvelopeFromSubscriptionMessage</c>): SUCCESS (or no status) acknowledges, RETRY and any error but
/// Unimplemented are retried, DROP drops (dead-letter topic when set), Unimplemented is acknowledged as never handled.
/// </summary>
internal static class GrpcTopicDelivery
{
    /// <summary>CloudEvent attributes with their own fields in the request; everything else goes to <c>extensions</c>.</summary>
    private static readonly HashSet<string> OwnFields = new(StringComparer.Ordinal) { "id", "source", "datacontenttype", "type", "specversion", "data", "data_base64" };

    public static async Task<PubSubService.AppVerdict> DeliverAsync(AppCallbackChannel app, string pubsubName, string topic, string route, JsonObject envelope, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var request = Envelope(pubsubName, topic, route, envelope);
        var headers = new Metadata();
        foreach (var (key, value) in metadata)
        {
            // WithCustomGRPCMetadata: the message's metadata as gRPC metadata, but not the original payload's size and type.
            if (key.Equals("content-type", StringComparison.OrdinalIgnoreCase) || key.Equals("content-length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            try
            {
                headers.Add(key, value);
            }
            catch (ArgumentException)
            {
                // Not a valid gRPC metadata key or value; grpc-go would refuse the call instead, so leave it out.
            }
        }

        TopicEventResponse response;
        try
        {
            response = await app.OnTopicEventAsync(request, headers, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented && !cancellationToken.IsCancellationRequested)
        {
            return PubSubService.AppVerdict.NotFound;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AttemptFailedException($"error returned from app while processing pub/sub event {request.Id}: {ex.Status.StatusCode}: {ex.Status.Detail}", null, ex);
        }

        return response.Status switch
        {
            TopicEventResponse.Types.TopicEventResponseStatus.Success => PubSubService.AppVerdict.Success,
            TopicEventResponse.Types.TopicEventResponseStatus.Drop => PubSubService.AppVerdict.Drop,
            TopicEventResponse.Types.TopicEventResponseStatus.Retry => throw new AttemptFailedException($"RETRY status returned from app while processing pub/sub event {request.Id}"),
            _ => throw new AttemptFailedException($"unknown status returned from app while processing pub/sub event {request.Id}, status: {response.Status}"),
        };
    }

    /// <summary>
    /// One bulk delivery through <c>OnBulkTopicEvent</c> (postman/grpc/grpc.go <c>DeliverBulk</c>): each entry as a
    /// CloudEvent with daprd's fields; the status per entry id, or null when the app implements neither bulk RPC
    /// (daprd acknowledges the batch then). Any other error fails the attempt for the resiliency policy.
    /// </summary>
    public static async Task<Dictionary<string, string>?> DeliverBulkAsync(AppCallbackChannel app, string pubsubName, string topic, string route, IReadOnlyList<BulkEntry> entries, CancellationToken cancellationToken)
    {
        var request = new TopicEventBulkRequest
        {
            Id = Guid.NewGuid().ToString(),
            Topic = topic,
            PubsubName = pubsubName,
            Type = CloudEventEnvelope.DefaultEventType,
            Path = route,
        };
        foreach (var entry in entries)
        {
            var single = Envelope(pubsubName, topic, route, entry.CloudEvent);
            var item = new TopicEventBulkRequestEntry
            {
                EntryId = entry.EntryId,
                ContentType = CloudEventEnvelope.ContentType,
                CloudEvent = new TopicEventCERequest
                {
                    Id = single.Id,
                    Source = single.Source,
                    Type = single.Type,
                    SpecVersion = single.SpecVersion,
                    DataContentType = single.DataContentType,
                    Data = single.Data,
                    Extensions = single.Extensions,
                },
            };
            item.Metadata.Add(entry.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value));
            request.Entries.Add(item);
        }

        TopicEventBulkResponse response;
        try
        {
            response = await app.OnBulkTopicEventAsync(request, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AttemptFailedException($"error returned from app while processing bulk pub/sub event: {ex.Status.StatusCode}: {ex.Status.Detail}", null, ex);
        }

        return response.Statuses
            .GroupBy(s => s.EntryId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Status.ToString().ToUpperInvariant(), StringComparer.Ordinal);
    }

    internal static TopicEventRequest Envelope(string pubsubName, string topic, string route, JsonObject envelope)
    {
        var request = new TopicEventRequest
        {
            Id = Text(envelope, "id"),
            Source = Text(envelope, "source"),
            DataContentType = Text(envelope, "datacontenttype"),
            Type = Text(envelope, "type"),
            SpecVersion = Text(envelope, "specversion"),
            Topic = topic,
            PubsubName = pubsubName,
            Path = route,
        };

        if (envelope["data_base64"] is JsonNode base64 and not null)
        {
            if (base64 is not JsonValue v || !v.TryGetValue(out string? encoded))
            {
                throw new AttemptFailedException("error returned from app while processing pub/sub event: unexpected data in cloud event envelope: data_base64 is not a string");
            }

            try
            {
                request.Data = Google.Protobuf.ByteString.FromBase64(encoded);
            }
            catch (FormatException ex)
            {
                throw new AttemptFailedException($"error returned from app while processing pub/sub event: unable to base64 decode data_base64: {ex.Message}");
            }
        }
        else if (envelope["data"] is JsonNode data and not null)
        {
            string contentType = request.DataContentType;
            if (IsString(contentType))
            {
                request.Data = data is JsonValue text && text.TryGetValue(out string? s)
                    ? Google.Protobuf.ByteString.CopyFromUtf8(s)
                    : throw new AttemptFailedException("error returned from app while processing pub/sub event: unexpected data in cloud event envelope: string content type with non-string data");
            }
            else if (IsJson(contentType))
            {
                request.Data = Google.Protobuf.ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(data));
            }

            // Any other content type with a "data" member: daprd sends no data (the bytes would have been data_base64).
        }

        var extensions = new JsonObject();
        foreach (var (key, value) in envelope)
        {
            if (!OwnFields.Contains(key))
            {
                extensions[key] = value?.DeepClone();
            }
        }

        request.Extensions = Google.Protobuf.JsonParser.Default.Parse<Struct>(extensions.ToJsonString());
        return request;
    }

    /// <summary>components-contrib contenttype.IsStringContentType: <c>text/*</c> and XML.</summary>
    private static bool IsString(string contentType)
    {
        string mediaType = MediaType(contentType);
        return mediaType.StartsWith("text/", StringComparison.Ordinal) || mediaType is "application/xml" || mediaType.EndsWith("+xml", StringComparison.Ordinal);
    }

    /// <summary>contenttype.IsJSONContentType / IsCloudEventContentType: <c>application/json</c>, <c>+json</c>.</summary>
    private static bool IsJson(string contentType)
    {
        string mediaType = MediaType(contentType);
        return mediaType is "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal);
    }

    private static string MediaType(string contentType) => contentType.Split(';')[0].Trim().ToLowerInvariant();

    private static string Text(JsonObject envelope, string key) =>
        envelope[key] is JsonValue v && v.TryGetValue(out string? s) ? s : "";
}
