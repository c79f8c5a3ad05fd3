using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using LedgerX.Transactions.Domain.Events;

namespace LedgerX.Transactions.Api.Events;

/// <summary>
/// The one place that turns ledger events into bytes and back. The bytes written here are what the hash chain covers,
/// what is published, and what the JSON Schemas in contracts/events/ describe, so all three agree by construction.
/// </summary>
public static class LedgerEventSerializer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly FrozenDictionary<Type, string> TypeNames = new Dictionary<Type, string>
    {
        [typeof(AccountOpened)] = Topics.AccountOpened,
        [typeof(AccountFrozen)] = Topics.AccountFrozen,
        [typeof(AccountUnfrozen)] = Topics.AccountUnfrozen,
        [typeof(AccountClosed)] = Topics.AccountClosed,
        [typeof(TransactionPosted)] = Topics.TransactionPosted,
        [typeof(HoldCreated)] = Topics.HoldCreated,
        [typeof(HoldPosted)] = Topics.HoldPosted,
        [typeof(HoldVoided)] = Topics.HoldVoided,
        [typeof(HoldExpired)] = Topics.HoldExpired,
        [typeof(ReversalRequested)] = Topics.ReversalRequested,
        [typeof(ReversalCompleted)] = Topics.ReversalCompleted,
        [typeof(ReversalFailed)] = Topics.ReversalFailed,
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Type> TypesByName = TypeNames.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>All event type names, which are also the topics they are published on.</summary>
    public static IEnumerable<string> AllTypes => TypesByName.Keys;

    /// <summary>The event's type name in the log, which is also its topic.</summary>
    public static string TypeOf(LedgerEvent e) => TypeNames[e.GetType()];

    public static byte[] Serialize(LedgerEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, e.GetType(), Options);

    public static LedgerEvent Deserialize(string type, ReadOnlySpan<byte> json) =>
        TypesByName.TryGetValue(type, out var clrType)
            ? (LedgerEvent)(JsonSerializer.Deserialize(json, clrType, Options) ?? throw new JsonException($"Event of type {type} is null."))
            : throw new JsonException($"Unknown ledger event type '{type}'.");
}
