using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resiliency;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>What became of one entry of a bulk delivery.</summary>
public enum BulkVerdict
{
    Success,
    Drop,
    NotFound,
    Failed,
}

public sealed record BulkEntryOutcome(BulkVerdict Verdict, int Attempts, Exception? Error);

/// <summary>One message waiting in a bulk batch; <see cref="Outcome"/> completes when the app answered for it.</summary>
public sealed class BulkEntry(string route, JsonObject cloudEvent, IReadOnlyDictionary<string, string> metadata)
{
    public string EntryId { get; } = Guid.NewGuid().ToString();

    public string Route { get; } = route;

    public JsonObject CloudEvent { get; } = cloudEvent;

    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    public TaskCompletionSource<BulkEntryOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// <c>bulkSubscribe</c> delivery: messages of one subscription are collected until <c>maxMessagesCount</c> or
/// <c>maxAwaitDurationMs</c>, grouped by matched route, and POSTed as one
/// <c>{"entries":[{"entryId","event","contentType","metadata"}],"id","metadata","pubsubname","topic","type"}</c>
/// request. The app answers <c>{"statuses":[{"entryId","status"}]}</c>; a missing entry counts as RETRY, as daprd's HTTP postman's DeliverBulk settles it (postman/http/http.go).
/// RETRY entries are resent under the inbound Resiliency policy; each broker message is settled by its own entry.
/// A gRPC app gets the same batch through <c>OnBulkTopicEvent</c> (<see cref="GrpcTopicDelivery.DeliverBulkAsync"/>).
/// </summary>
public sealed class BulkDelivery
{
    private const int MaxAppResponseBytes = 1 << 20;

    private readonly BulkSubscribeOptions _options;
    private readonly string _pubsubName;
    private readonly string _topic;
    private readonly AppChannel _app;
    private readonly ResiliencyPolicy _policy;
    private readonly CancellationToken _stopping;
    private readonly Lock _gate = new();
    private List<BulkEntry> _pending = [];
    private long _generation;

    public BulkDelivery(BulkSubscribeOptions options, string pubsubName, string topic, AppChannel app, ResiliencyPolicy policy, CancellationToken stopping)
    {
        _options = options;
        _pubsubName = pubsubName;
        _topic = topic;
        _app = app;
        _policy = policy;
        _stopping = stopping;
    }

    public Task<BulkEntryOutcome> SubmitAsync(BulkEntry entry)
    {
        List<BulkEntry>? full = null;
        long? startTimerFor = null;
        lock (_gate)
        {
            _pending.Add(entry);
            if (_pending.Count >= _options.MaxMessagesCount)
            {
                full = _pending;
                _pending = [];
                _generation++;
            }
            else if (_pending.Count == 1)
            {
                startTimerFor = _generation;
            }
        }

        if (full is not null)
        {
            _ = Task.Run(() => FlushAsync(full), CancellationToken.None);
        }
        else if (startTimerFor is { } generation)
        {
            _ = Task.Run(() => FlushAfterAwaitAsync(generation), CancellationToken.None);
        }

        return entry.Outcome.Task;
    }

    private static string? StatusOf(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s.ToUpperInvariant(),
        // The SDK's BulkSubscribeAppResponseStatus serialises as its ordinal unless configured otherwise.
        JsonValue v when v.TryGetValue(out int n) => n switch { 0 => "SUCCESS", 1 => "RETRY", 2 => "DROP", _ => null },
        _ => null,
    };

    private static JsonNode? Property(JsonObject obj, string name) =>
        obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private async Task FlushAfterAwaitAsync(long generation)
    {
        try
        {
            await Task.Delay(_options.MaxAwait, _stopping);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the waiting handlers are cancelled by the same token.
        }

        List<BulkEntry> batch;
        lock (_gate)
        {
            if (_generation != generation || _pending.Count == 0)
            {
                return;
            }

            batch = _pending;
            _pending = [];
            _generation++;
        }

        await FlushAsync(batch);
    }

    private Task FlushAsync(List<BulkEntry> batch) =>
        Task.WhenAll(batch.GroupBy(e => e.Route, StringComparer.Ordinal).Select(g => DeliverAsync(g.Key, [.. g])));

    private async Task DeliverAsync(string route, List<BulkEntry> entries)
    {
        var remaining = entries;
        int attempts = 0;
        try
        {
            await _policy.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    var statuses = await PostAsync(route, remaining, ct);
                    var retry = new List<BulkEntry>();
                    foreach (var entry in remaining)
                    {
                        string? status = statuses is null ? "NOT_FOUND" : statuses.GetValueOrDefault(entry.EntryId);
                        switch (status)
                        {
                            case "SUCCESS":
                                entry.Outcome.TrySetResult(new BulkEntryOutcome(BulkVerdict.Success, attempts, null));
                                break;
                            case "DROP":
                                entry.Outcome.TrySetResult(new BulkEntryOutcome(BulkVerdict.Drop, attempts, null));
                                break;
                            case "NOT_FOUND":
                                entry.Outcome.TrySetResult(new BulkEntryOutcome(BulkVerdict.NotFound, attempts, null));
                                break;
                            default:
                                retry.Add(entry);
                                break;
                        }
                    }

                    remaining = retry;
                    return remaining.Count == 0
                        ? true
                        : throw new AttemptFailedException($"{remaining.Count} of the bulk entries on route {route} were not acknowledged");
                },
                _stopping);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            foreach (var entry in remaining)
            {
                entry.Outcome.TrySetCanceled(_stopping);
            }
        }
        catch (Exception ex)
        {
            foreach (var entry in remaining)
            {
                entry.Outcome.TrySetResult(new BulkEntryOutcome(BulkVerdict.Failed, attempts, ex));
            }
        }
    }

    /// <summary>Returns the status per entry id, null when the app answered 404; throws for any other failure.</summary>
    private async Task<Dictionary<string, string>?> PostAsync(string route, List<BulkEntry> entries, CancellationToken cancellationToken)
    {
        if (_app.Grpc is { } grpc)
        {
            return await GrpcTopicDelivery.DeliverBulkAsync(grpc, _pubsubName, _topic, route, entries, cancellationToken);
        }

        var body = new JsonObject
        {
            ["entries"] = new JsonArray(entries.Select(e => (JsonNode?)new JsonObject
            {
                ["entryId"] = e.EntryId,
                ["event"] = e.CloudEvent.DeepClone(),
                ["contentType"] = CloudEventEnvelope.ContentType,
                ["metadata"] = new JsonObject(e.Metadata.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
            }).ToArray()),
            ["id"] = Guid.NewGuid().ToString(),
            ["metadata"] = new JsonObject(),
            ["pubsubname"] = _pubsubName,
            ["topic"] = _topic,
            ["type"] = CloudEventEnvelope.DefaultEventType,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, route.TrimStart('/'))
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("pubsubname", _pubsubName);
        var response = await AppDelivery.SendAsync(_app, request, $"error delivering bulk to app route {route}", cancellationToken);

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new AttemptFailedException($"app returned {(int)response.StatusCode} for bulk route {route}", (int)response.StatusCode);
            }

            byte[] answerBytes;
            try
            {
                answerBytes = await BoundedContent.ReadAsync(response.Content, MaxAppResponseBytes, "bulk response", cancellationToken);
            }
            catch (BoundedContent.TooLargeException ex)
            {
                throw new AttemptFailedException(ex.Message);
            }

            var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                if (JsonNode.Parse(answerBytes) is JsonObject answer
                    && Property(answer, "statuses") is JsonArray list)
                {
                    foreach (var item in list.OfType<JsonObject>())
                    {
                        if (Property(item, "entryId") is JsonValue id && id.TryGetValue(out string? entryId) && StatusOf(Property(item, "status")) is { } status)
                        {
                            statuses[entryId] = status;
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not a bulk answer: every entry counts as RETRY.
            }

            return statuses;
        }
    }
}
