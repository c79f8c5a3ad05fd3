using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.Domain;

namespace LedgerX.Fraud.Api.Alerts;

/// <summary>A movement plus where it came from, for the alert.</summary>
public sealed record SourcedMovement(Movement Movement, string Topic, Guid? EntryId, Guid? HoldId);

/// <summary>Turns the ledger's events into per-account movements: which postings belong to customers, and who the
/// counterparty is.</summary>
public static class MovementExtraction
{
    /// <summary>
    /// Deposits and withdrawals have a world account on the other side: only the customer's side is a movement, with no
    /// counterparty. Reversals are the ledger undoing an entry, not customer behaviour, so they are skipped. A hold_post
    /// entry's debit was already assessed when the hold was created; only its credit is new.
    /// </summary>
    public static IReadOnlyList<SourcedMovement> From(TransactionPosted e)
    {
        var lines = e.Postings!;
        var movements = new List<SourcedMovement>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var outflow = line.Direction == "debit";
            var customer = e.Kind switch
            {
                "deposit" => !outflow,
                "withdrawal" => outflow,
                "reversal" => false,
                "hold_post" => !outflow,
                _ => true,
            };
            if (!customer)
            {
                continue;
            }
            var counterparty = e.Kind is "deposit" or "withdrawal" ? null
                : lines.Where(l => l.Direction != line.Direction).OrderByDescending(l => l.Amount).First().AccountId!.Value.ToString();
            movements.Add(new SourcedMovement(new Movement
            {
                EventId = e.EventId!.Value,
                AccountId = line.AccountId!.Value,
                Direction = outflow ? MovementDirection.Outflow : MovementDirection.Inflow,
                Amount = line.Amount!.Value,
                Currency = line.Currency!,
                Counterparty = counterparty,
                OccurredAt = e.OccurredAt!.Value,
            }, Topics.TransactionPosted, e.EntryId, null));
        }
        // One movement per account and event: a journal entry touching an account twice is merged into its net effect.
        return [.. movements.GroupBy(m => m.Movement.AccountId).Select(Net).Where(m => m is not null).Select(m => m!)];
    }

    /// <summary>
    /// A hold is an outflow of the account it reserves funds on, announced before it settles. A reversal saga's hold
    /// (<see cref="HoldCreated.ReversalId"/>) is not: it reserves what the ledger is about to give back to the payer of
    /// a reversed entry, like the reversal entry that takes it, and may even sit on a currency's world account (a
    /// withdrawal being reversed). So it yields no movement: no score, no risk profile, no alert.
    /// </summary>
    public static IReadOnlyList<SourcedMovement> From(HoldCreated e) => e.ReversalId is not null ? [] :
    [
        new(new Movement
        {
            EventId = e.EventId!.Value,
            AccountId = e.AccountId!.Value,
            Direction = MovementDirection.Outflow,
            Amount = e.Amount!.Value,
            Currency = e.Currency!,
            Counterparty = e.ToAccountId!.Value.ToString(),
            OccurredAt = e.OccurredAt!.Value,
        }, Topics.HoldCreated, null, e.HoldId),
    ];

    private static SourcedMovement? Net(IGrouping<Guid, SourcedMovement> lines)
    {
        if (lines.Count() == 1)
        {
            return lines.First();
        }
        var net = lines.Sum(l => l.Movement.IsOutflow ? -l.Movement.Amount : l.Movement.Amount);
        if (net == 0)
        {
            return null;
        }
        var first = lines.First();
        return first with
        {
            Movement = first.Movement with
            {
                Direction = net < 0 ? MovementDirection.Outflow : MovementDirection.Inflow,
                Amount = Math.Abs(net),
                Counterparty = lines.FirstOrDefault(l => l.Movement.IsOutflow == net < 0)?.Movement.Counterparty,
            },
        };
    }
}
