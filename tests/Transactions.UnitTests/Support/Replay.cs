using System.Globalization;
using LedgerX.Transactions.Api.Events;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;

namespace LedgerX.Transactions.UnitTests.Support;

/// <summary>What `ledgerx verify` does: read the stored log back (through the same serializer) into an empty state.</summary>
internal static class Replay
{
    public static LedgerState ThroughSerializer(IEnumerable<LedgerEvent> log)
    {
        var state = new LedgerState(lastSequence: 0);
        foreach (var e in log)
        {
            state.Apply(LedgerEventSerializer.Deserialize(LedgerEventSerializer.TypeOf(e), LedgerEventSerializer.Serialize(e)));
        }
        return state;
    }

    /// <summary>Every account and hold of a state, one line each, for comparing two states.</summary>
    public static IReadOnlyList<string> Describe(LedgerState state, IEnumerable<HoldId> holds) =>
    [
        .. state.Accounts.OrderBy(a => a.Id.Value).Select(a => string.Create(CultureInfo.InvariantCulture,
            $"{a.Id} {a.OwnerId} {a.Kind} {a.Currency} {a.Status} limit={a.OverdraftLimit} balance={a.Balance} held={a.Held} version={a.Version} opened={a.OpenedAt:O}")),
        .. holds.Select(id => state.FindHold(id) ?? throw new InvalidOperationException($"Hold {id} missing."))
            .Select(h => string.Create(CultureInfo.InvariantCulture,
                $"{h.Id} {h.AccountId}->{h.ToAccountId} {h.Amount} {h.Status} posted={h.PostedAmount} entry={h.EntryId} expires={h.ExpiresAt:O} closed={h.ClosedAt:O} reversal={h.ReversalId}")),
    ];
}
