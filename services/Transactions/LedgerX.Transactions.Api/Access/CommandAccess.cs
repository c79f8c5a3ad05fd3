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
/// <item>requests a reversal only of an entry that debited one of their accounts, and of a deposit or withdrawal only with
/// ledger:fund (reversing one moves money across the ledger's edge, as the movement did).</item>
/// </list>
/// Anything else is refused with exactly the error the ledger gives for an id that does not exist, so ids do not leak.
/// Refusals for a missing object are left to the ledger itself, which words them the same way.
/// </summary>
internal static class CommandAccess
{
    public static void Check(LedgerState state, LedgerCommand command, LedgerCaller caller)
    {
        if (caller.ActsForAnyone)
        {
            return;
        }
        switch (command)
        {
            case OpenAccount:
                return;
            case FreezeAccount c:
                AccountInPath(state, c.AccountId, caller);
                return;
            case UnfreezeAccount c:
                AccountInPath(state, c.AccountId, caller);
                return;
            case CloseAccount c:
                AccountInPath(state, c.AccountId, caller);
                return;
            case PostEntry c:
                foreach (var posting in c.Postings.Where(p => p is { Direction: Direction.Debit, AccountId: not null }))
                {
                    AccountInBody(state, posting.AccountId!.Value, posting.Field, caller);
                }
                return;
            case CreateHold c:
                AccountInBody(state, c.AccountId, "accountId", caller);
                return;
            case PostHold c:
                HoldInPath(state, c.HoldId, caller);
                return;
            case VoidHold c:
                HoldInPath(state, c.HoldId, caller);
                return;
            case RequestReversal c:
                EntryInBody(state, c.EntryId, caller);
                return;
            default:
                // The saga's and maintenance's commands never come from a client's request.
                throw new InvalidOperationException($"{command.GetType().Name} is not a command a client may send.");
        }
    }

    private static void AccountInPath(LedgerState state, AccountId id, LedgerCaller caller)
    {
        if (state.FindAccount(id) is { } account && !caller.Owns(account))
        {
            throw new LedgerRuleException(LedgerError.NotFound("account_not_found", $"Account {id} does not exist."));
        }
    }

    private static void AccountInBody(LedgerState state, AccountId id, string field, LedgerCaller caller)
    {
        if (state.FindAccount(id) is { } account && !caller.Owns(account))
        {
            throw new LedgerRuleException(LedgerError.Rule("account_not_found", $"Account {id} does not exist.", field));
        }
    }

    private static void HoldInPath(LedgerState state, HoldId id, LedgerCaller caller)
    {
        if (state.FindHold(id) is { } hold && !caller.Owns(state.FindAccount(hold.AccountId)))
        {
            throw new LedgerRuleException(LedgerError.NotFound("hold_not_found", $"Hold {id} does not exist."));
        }
    }

    private static void EntryInBody(LedgerState state, EntryId id, LedgerCaller caller)
    {
        if (state.FindEntry(id) is not { } entry)
        {
            return;
        }
        // The payer is known only for the simple entries a reversal can take back; any other entry a customer names
        // is one they cannot reverse, and saying so would confirm it exists.
        if (entry.Payer is not { } payer || !caller.Owns(state.FindAccount(payer)))
        {
            throw new LedgerRuleException(LedgerError.Rule("entry_not_found", $"Entry {id} does not exist.", "entryId"));
        }
        if (entry.Kind is EntryKind.Deposit or EntryKind.Withdrawal && !caller.CanFund)
        {
            throw new LedgerRuleException(LedgerError.Rule("reversal_needs_ledger_fund",
                $"Entry {id} is a {(entry.Kind == EntryKind.Deposit ? "deposit" : "withdrawal")}; reversing it moves money across the ledger's edge, " +
                "which needs the ledger:fund permission.", "entryId"));
        }
    }
}
