using System.Text.Json;
using System.Text.Json.Serialization;

namespace LedgerX.Notifications.Api.Live;

/// <summary>Money on the wire: integer minor units and an ISO 4217 code.</summary>
public sealed record LiveAmount(long Amount, string Currency);

/// <summary>
/// live.feed.v1 (contracts/events/live.feed.v1.schema.json): one item of one user's feed, broadcast to every replica.
/// A stored item has its feed <see cref="Id"/>, its place in its user's sequence (<see cref="Seq"/>) and the
/// <see cref="EventId"/> it came from; an ephemeral one (pushed by
/// another service, e.g. an answer streamed token by token) has neither, is never stored or replayed, and is dropped
/// after <see cref="ExpiresAt"/>.
/// </summary>
public sealed record LiveFeedItem(
    int SchemaVersion,
    long? Id,
    string UserId,
    Guid? EventId,
    string Kind,
    DateTimeOffset OccurredAt,
    Guid? AccountId,
    LiveAmount? Amount,
    IReadOnlyDictionary<string, string>? Data,
    bool? Ephemeral = null,
    DateTimeOffset? ExpiresAt = null,
    long? Seq = null)
{
    public const int Version = 1;

    /// <summary>Shared by the relay, the subscription and the transports: camelCase, nulls left out.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [JsonIgnore]
    public bool IsEphemeral => Ephemeral == true;

    /// <summary>Usable at all: a user, a kind, and either a feed id (stored) or an expiry (ephemeral).</summary>
    [JsonIgnore]
    public bool IsComplete => SchemaVersion == Version && !string.IsNullOrEmpty(UserId) && !string.IsNullOrEmpty(Kind)
        && (IsEphemeral ? ExpiresAt is not null && Id is null : Id is > 0 && Seq is > 0);

    /// <summary>What the client receives (docs/api/live.md): no user id (it is the client's own), no schema version.</summary>
    public LiveFrame ToFrame() => new(Id, Kind, OccurredAt, AccountId, Amount, Data ?? EmptyData, IsEphemeral ? true : null);

    private static readonly IReadOnlyDictionary<string, string> EmptyData = new Dictionary<string, string>();
}

/// <summary>A WebSocket text frame / SSE <c>data:</c> line: <c>{id, kind, occurredAt, accountId, amount{amount,currency}, data{}}</c>.</summary>
public sealed record LiveFrame(
    long? Id, string Kind, DateTimeOffset OccurredAt, Guid? AccountId, LiveAmount? Amount, IReadOnlyDictionary<string, string> Data, bool? Ephemeral)
{
    /// <summary>Kind of the item sent first on a resume that missed more than the replay limit.</summary>
    public const string ReplayTruncated = "live.replay_truncated";
}
