using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>What a publish call supplied: the body, its content type, request metadata and the caller's trace context.</summary>
public sealed record PublishRequest(
    string PubsubName,
    string Topic,
    byte[] Data,
    string? DataContentType,
    IReadOnlyDictionary<string, string> Metadata,
    string? TraceParent,
    string? TraceState);

/// <summary>
/// Builds the bytes daprd stores for a publish (pkg/runtime/pubsub/cloudevents.go <c>NewCloudEvent</c> over components-contrib
/// pubsub/envelope.go): a CloudEvent 1.0 envelope in
/// daprd's field order, the caller's own CloudEvent completed, or the raw payload unchanged.
/// </summary>
public static class CloudEventEnvelope
{
    public const string ContentType = "application/cloudevents+json";
    public const string DefaultEventType = "com.dapr.event.sent";

    private static readonly string[] OverridableFields = ["id", "source", "type", "subject", "traceid", "traceparent", "tracestate"];

    public static bool IsRawPayload(IReadOnlyDictionary<string, string> metadata) =>
        Lookup(metadata, "rawPayload") is { } raw && string.Equals(raw, "true", StringComparison.OrdinalIgnoreCase);

    public static byte[] Build(PublishRequest request, string sourceAppId, DateTimeOffset now, bool componentHasNativeTtl)
    {
        if (IsRawPayload(request.Metadata))
        {
            return request.Data;
        }

        string? ttl = Lookup(request.Metadata, "ttlInSeconds");
        string? expiration = null;
        if (ttl is not null && !componentHasNativeTtl)
        {
            if (!int.TryParse(ttl, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seconds) || seconds <= 0)
            {
                throw new FormatException($"ttlInSeconds '{ttl}' is not a positive integer");
            }

            expiration = Rfc3339(now.AddSeconds(seconds));
        }

        JsonObject envelope = IsCloudEventContentType(request.DataContentType)
            ? CompleteCallerEnvelope(request, sourceAppId, now)
            : NewEnvelope(request, sourceAppId, now);

        foreach (string field in OverridableFields)
        {
            if (Lookup(request.Metadata, "cloudevent." + field) is { Length: > 0 } value)
            {
                envelope[field] = value;
            }
        }

        if (expiration is not null)
        {
            envelope["expiration"] = expiration;
        }

        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    /// <summary>The envelope daprd builds for a <c>rawPayload</c> subscription: the bytes in <c>data_base64</c>.</summary>
    public static byte[] WrapRaw(byte[] data, string pubsubName, string topic, string sourceAppId)
    {
        var envelope = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["specversion"] = "1.0",
            ["source"] = sourceAppId,
            ["type"] = DefaultEventType,
            ["datacontenttype"] = "application/octet-stream",
            ["data_base64"] = Convert.ToBase64String(data),
            ["topic"] = topic,
            ["pubsubname"] = pubsubName,
        };
        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    /// <summary>Parses stored bytes as an envelope; bytes that are not a CloudEvent object get wrapped as its <c>data</c>.</summary>
    public static JsonObject ParseForDelivery(byte[] stored, string pubsubName, string topic, string sourceAppId)
    {
        try
        {
            if (JsonNode.Parse(stored) is JsonObject obj && obj.ContainsKey("specversion"))
            {
                return obj;
            }
        }
        catch (JsonException)
        {
            // Not JSON: wrapped below.
        }

        return JsonNode.Parse(WrapRaw(stored, pubsubName, topic, sourceAppId))!.AsObject();
    }

    public static bool IsExpired(JsonObject envelope, DateTimeOffset now) =>
        envelope["expiration"] is JsonValue v && v.TryGetValue(out string? text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
        && at <= now;

    public static string? Lookup(IReadOnlyDictionary<string, string> metadata, string key)
    {
        // daprd matches the cloudevent.* override keys case-insensitively (pkg/runtime/pubsub/cloudevents.go).
        foreach (var (k, v) in metadata)
        {
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }

    private static JsonObject NewEnvelope(PublishRequest request, string sourceAppId, DateTimeOffset now)
    {
        string contentType = string.IsNullOrEmpty(request.DataContentType) ? "text/plain" : request.DataContentType;
        var envelope = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["specversion"] = "1.0",
            ["source"] = sourceAppId,
            ["type"] = DefaultEventType,
            ["datacontenttype"] = contentType,
        };

        if (request.Data.Length > 0)
        {
            if (IsJsonContentType(contentType))
            {
                envelope["data"] = ParseJsonOrString(request.Data);
            }
            else if (IsTextContentType(contentType))
            {
                envelope["data"] = Encoding.UTF8.GetString(request.Data);
            }
            else
            {
                envelope["data_base64"] = Convert.ToBase64String(request.Data);
            }
        }

        envelope["topic"] = request.Topic;
        envelope["pubsubname"] = request.PubsubName;
        AddTrace(envelope, request, overwrite: true);
        envelope["time"] = Rfc3339(now);
        return envelope;
    }

    private static JsonObject CompleteCallerEnvelope(PublishRequest request, string sourceAppId, DateTimeOffset now)
    {
        JsonObject envelope;
        try
        {
            envelope = JsonNode.Parse(request.Data) as JsonObject ?? throw new FormatException("the CloudEvent is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the CloudEvent is not valid JSON: {ex.Message}", ex);
        }

        // The caller's envelope is kept and its id is not defaulted, as components-contrib pubsub.FromCloudEvent does.
        envelope["specversion"] ??= "1.0";
        envelope["source"] ??= sourceAppId;
        envelope["type"] ??= DefaultEventType;
        envelope["topic"] = request.Topic;
        envelope["pubsubname"] = request.PubsubName;
        AddTrace(envelope, request, overwrite: false);
        envelope["time"] ??= Rfc3339(now);
        return envelope;
    }

    /// <summary>
    /// components-contrib's envelope: a new envelope always carries <c>traceid</c>, <c>traceparent</c> and
    /// <c>tracestate</c> (empty strings when the publish had none); a caller's envelope keeps its own, gaining
    /// <c>traceid</c>/<c>traceparent</c> only when it has no <c>traceid</c>, and <c>tracestate</c> when it has none.
    /// </summary>
    private static void AddTrace(JsonObject envelope, PublishRequest request, bool overwrite)
    {
        string traceParent = request.TraceParent ?? "";
        if (overwrite || envelope["traceid"] is null)
        {
            envelope["traceid"] = traceParent;
            envelope["traceparent"] = traceParent;
        }

        if (overwrite || envelope["tracestate"] is null)
        {
            envelope["tracestate"] = request.TraceState ?? "";
        }
    }

    private static JsonNode? ParseJsonOrString(byte[] data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            return JsonNode.Parse(ref reader);
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(data);
        }
    }

    private static string MediaType(string contentType) => contentType.Split(';', 2)[0].Trim();

    private static bool IsCloudEventContentType(string? contentType) =>
        contentType is not null && string.Equals(MediaType(contentType), ContentType, StringComparison.OrdinalIgnoreCase);

    private static bool IsJsonContentType(string contentType)
    {
        string media = MediaType(contentType);
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsTextContentType(string contentType)
    {
        string media = MediaType(contentType);
        return media.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("/xml", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Go's <c>time.RFC3339</c> as daprd formats <c>time</c> and <c>expiration</c>: whole seconds (in UTC here).</summary>
    internal static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
