using LedgerX.Transactions.Domain;

namespace LedgerX.Transactions.Api.Access;

/// <summary>
/// Object-level rules for writes, checked by the writer against the batch's locked state just before the command is
/// decided (<see cref="Ledger.LedgerWriter"/>): ownership is loaded with the accounts the command touches anyway, so the
/// check costs no query and cannot race the write. Without accounts:any a caller
/// <list type="bullet">
/// <item>debits only accounts they own (a transfer's <c>fromAccountId</c>, a withdrawal, a hold, a journal entry's debit
/// postings) but may credit any existing account;</item>
/// <item>freezes, unfreezes, closes, posts and voids holds only on their own accounts;</item>
/// <item>requests a reversal only of an entry that debited one of their accounts (so not of a deposit, which debited the
/// world account), and of a withdrawal only with ledger:fund (reversing it moves money across the ledger's edge).</item>
/// </list>
/// </summary>
/// <remarks>
/// What the caller may not touch is, to them, missing: the command is decided again with that id replaced by one that
/// names nothing, and refused with whatever the ledger answers then (with the caller's id put back). So the answer is
/// the one a missing id gets, byte for byte and in the same order of checks (an over-long description is still
/// reported before the account), and no answer tells a foreign id from a missing one.
/// </remarks>
internal static class CommandAccess
{
    /// <summary>Throws the refusal when <paramref name="caller"/> may not send <paramref name="command"/>.</summary>
    public static void Check(Domain.Ledger ledger, LedgerCommand command, LedgerCaller caller)
    {
        if (caller.ActsForAnyone)
        {
            return;
        }
        var state = ledger.State;
        var standIn = Guid.NewGuid();
        var (hidden, masked) = Hide(state, command, caller, standIn);
        if (hidden is { } id)
        {
            try
            {
                ledger.Execute(masked!);
            }
            catch (LedgerRuleException refused)
            {
                throw new LedgerRuleException(refused.Error with
                {
                    Message = refused.Error.Message.Replace(standIn.ToString(), id.ToString(), StringComparison.Ordinal),
                });
            }
            throw new InvalidOperationException($"{command.GetType().Name} naming {standIn}, which exists nowhere, was applied.");
        }
        // A customer's own withdrawal (a deposit's payer is the world account, so it never gets here): taking it back
        // brings money into the ledger, which is funding staff's work.
        if (command is RequestReversal { EntryId: var entryId } && state.FindEntry(entryId) is { Kind: EntryKind.Withdrawal } && !caller.CanFund)
        {
            throw new LedgerRuleException(LedgerError.Rule("reversal_needs_ledger_fund",
                $"Entry {entryId} is a withdrawal; reversing it moves money across the ledger's edge, which needs the ledger:fund permission.", "entryId"));
        }
    }

    /// <summary>The first id in <paramref name="command"/> the caller may not touch, and the command with it replaced by
    /// <paramref name="standIn"/>; (null, null) when the caller may send it as it is.</summary>
    private static (Guid? Hidden, LedgerCommand? Masked) Hide(LedgerState state, LedgerCommand command, LedgerCaller caller, Guid standIn)
    {
        bool Foreign(AccountId id) => state.FindAccount(id) is { } account && !caller.Owns(account);
        switch (command)
        {
            case OpenAccount:
                return (null, null);
            case FreezeAccount c when Foreign(c.AccountId):
                return (c.AccountId.Value, c with { AccountId = new AccountId(standIn) });
            case UnfreezeAccount c when Foreign(c.AccountId):
                return (c.AccountId.Value, c with { AccountId = new AccountId(standIn) });
            case CloseAccount c when Foreign(c.AccountId):
                return (c.AccountId.Value, c with { AccountId = new AccountId(standIn) });
            case PostEntry c when c.Postings.FirstOrDefault(p => p is { Direction: Direction.Debit, AccountId: { } id } && Foreign(id)) is { } debit:
                return (debit.AccountId!.Value.Value, c with
                {
                    Postings = [.. c.Postings.Select(p => p.AccountId == debit.AccountId ? p with { AccountId = new AccountId(standIn) } : p)],
                });
            case CreateHold c when Foreign(c.AccountId):
                return (c.AccountId.Value, c with { AccountId = new AccountId(standIn) });
            case PostHold c when state.FindHold(c.HoldId) is { } hold && Foreign(hold.AccountId):
                return (c.HoldId.Value, c with { HoldId = new HoldId(standIn) });
            case VoidHold c when state.FindHold(c.HoldId) is { } hold && Foreign(hold.AccountId):
                return (c.HoldId.Value, c with { HoldId = new HoldId(standIn) });
            // The payer is known only for the simple entries a reversal can take back; any other entry a customer names is
            // one they cannot reverse, and saying so would confirm it exists.
            case RequestReversal c when state.FindEntry(c.EntryId) is { } entry && (entry.Payer is not { } payer || !caller.Owns(state.FindAccount(payer))):
                return (c.EntryId.Value, c with { EntryId = new EntryId(standIn) });
            case FreezeAccount or UnfreezeAccount or CloseAccount or PostEntry or CreateHold or PostHold or VoidHold or RequestReversal:
                return (null, null);
            default:
                // The saga's and maintenance's commands never come from a client's request.
                throw new InvalidOperationException($"{command.GetType().Name} is not a command a client may send.");
        }
    }
}
