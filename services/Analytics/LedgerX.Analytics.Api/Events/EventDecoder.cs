using System.Text.Json;

namespace LedgerX.Analytics.Api.Events;

/// <summary>Turns an event of the ledger's log (type + payload) into the record its live subscription binds, so a
/// replay goes through exactly the same projection as a delivery.</summary>
public static class EventDecoder
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Null for event types the read models do not use (other account.* events, or types added later).</summary>
    public static ConsumedEvent? Decode(string type, JsonElement payload) => type switch
    {
        Topics.TransactionPosted => payload.Deserialize<TransactionPosted>(Json),
        Topics.AccountOpened => payload.Deserialize<AccountOpened>(Json),
        Topics.HoldCreated or Topics.HoldPosted or Topics.HoldVoided or Topics.HoldExpired => payload.Deserialize<HoldChanged>(Json),
        Topics.ReversalRequested or Topics.ReversalCompleted or Topics.ReversalFailed => payload.Deserialize<ReversalChanged>(Json),
        _ => null,
    };
}
