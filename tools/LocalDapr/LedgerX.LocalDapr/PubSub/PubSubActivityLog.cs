using System.Text.Json.Nodes;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>A message this sidecar published: the stored bytes (the envelope, or the raw payload) and the request.</summary>
public sealed record PublishedMessage(string PubsubName, string Topic, byte[] StoredData, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset PublishedAt)
{
    // The id is read over thousands of entries by test predicates, so it is extracted once (thread-safely).
    private readonly Lazy<string?> _cloudEventId = new(() => Parse(StoredData)?["id"] is JsonValue id && id.TryGetValue(out string? value) ? value : null);

    /// <summary>The CloudEvent, or null for a <c>rawPayload</c> publish of non-JSON bytes (a fresh object per call).</summary>
    public JsonObject? CloudEvent => Parse(StoredData);

    /// <summary>The envelope's <c>id</c> (the outbox's event id when published with <c>cloudevent.id</c>).</summary>
    public string? CloudEventId => _cloudEventId.Value;

    private static JsonObject? Parse(byte[] data)
    {
        try
        {
            return JsonNode.Parse(data) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>What became of one delivery attempt sequence to the app.</summary>
public enum DeliveryOutcome
{
    Success,
    Dropped,
    DeadLettered,
    Failed,
    Expired,
    NoRoute,
}

public sealed record DeliveryRecord(string PubsubName, string Topic, string? Route, string? CloudEventId, DeliveryOutcome Outcome, int Attempts, DateTimeOffset At);

/// <summary>
/// A bounded, observable record of publishes and deliveries: the test hook the ledger's tests use to assert
/// that the outbox relay published (e.g. with the event id as CloudEvent id) without running a subscriber.
/// </summary>
public sealed class PubSubActivityLog
{
    public const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Queue<PublishedMessage> _published = new();
    private readonly Queue<DeliveryRecord> _deliveries = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<PublishedMessage> Published
    {
        get
        {
            lock (_gate)
            {
                return [.. _published];
            }
        }
    }

    public IReadOnlyList<DeliveryRecord> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _deliveries];
            }
        }
    }

    public void Record(PublishedMessage message) => Add(_published, message);

    public void Record(DeliveryRecord record) => Add(_deliveries, record);

    /// <summary>Waits until a published message satisfies <paramref name="predicate"/>; throws <see cref="TimeoutException"/> otherwise.</summary>
    public Task<PublishedMessage> WaitForPublishedAsync(Func<PublishedMessage, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitAsync(() => Published.FirstOrDefault(predicate), timeout, "published message", cancellationToken);

    public Task<DeliveryRecord> WaitForDeliveryAsync(Func<DeliveryRecord, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitAsync(() => Deliveries.FirstOrDefault(predicate), timeout, "delivery", cancellationToken);

    private void Add<T>(Queue<T> queue, T item)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            queue.Enqueue(item);
            while (queue.Count > Capacity)
            {
                queue.Dequeue();
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private async Task<T> WaitAsync<T>(Func<T?> find, TimeSpan timeout, string what, CancellationToken cancellationToken)
        where T : class
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (find() is { } found)
            {
                return found;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching {what} within {timeout}");
            }
        }
    }
}
