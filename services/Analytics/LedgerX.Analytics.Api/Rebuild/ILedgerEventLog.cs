using System.Text.Json;
using Refit;

namespace LedgerX.Analytics.Api.Rebuild;

/// <summary>transaction-service's event log (<c>GET /api/v1/ledger/events</c>, ledger:verify), called by Dapr service
/// invocation on behalf of the user who asked for the rebuild, with their access token. Only the fields the rebuild
/// reads are declared.</summary>
public interface ILedgerEventLog
{
    /// <summary>The events after sequence <paramref name="after"/>, in sequence order; at most <paramref name="limit"/> (≤ 1000).</summary>
    [Get("/api/v1/ledger/events")]
    Task<LedgerEventPage> GetEventsAsync([Query] long after, [Query] int limit, [Header("Authorization")] string? authorization, CancellationToken ct);
}

public sealed record LedgerEventPage(IReadOnlyList<LedgerLogEvent> Items, string? NextCursor)
{
    /// <summary>Where the replay stops: the ledger gives no next cursor on its last page (and an empty page has nothing after it).</summary>
    public bool IsLastPage => NextCursor is null || Items.Count == 0;
}

public sealed record LedgerLogEvent(long Sequence, Guid EventId, string Type, JsonElement Payload);
