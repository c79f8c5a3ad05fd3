using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;

namespace LedgerX.Nlp.Domain.Answers;

/// <summary>Turns an interpretation into the tool calls it needs and the answer the composer phrases from their
/// results. The only place figures enter an answer is a tool result.</summary>
public static class AnswerPlanner
{
    public static async Task<Answer> AnswerAsync(Asker asker, Interpretation interpretation, NlpTools tools, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(asker);
        ArgumentNullException.ThrowIfNull(interpretation);
        ArgumentNullException.ThrowIfNull(tools);
        var slots = interpretation.Slots;
        AccountSummary? account = null;
        if (slots.Account is { } reference)
        {
            account = await tools.Ledger.ResolveAccountAsync(asker, reference, ct);
            if (account is null) return Answer.Refused(new Refusal(RefusalReason.NotFound, "I can't answer that: I can't find that account among yours."));
        }
        var accountId = account?.AccountId;
        var period = slots.Period;
        Period Need() => period ?? throw new InvalidOperationException($"{interpretation.Intent.Name()} needs a period.");

        switch (interpretation.Intent)
        {
            case Intent.SpendingByCategory:
                return AnswerComposer.Spending(interpretation, await tools.Analytics.SpendingByCategoryAsync(asker,
                    new SpendingByCategoryRequest(Need(), slots.Category, slots.Counterparty, accountId), ct));
            case Intent.IncomeVsSpending:
                return AnswerComposer.IncomeVsSpending(interpretation, await tools.Analytics.IncomeVsSpendingAsync(asker,
                    new IncomeVsSpendingRequest(Need(), accountId), ct));
            case Intent.TopCounterparties:
                return AnswerComposer.TopCounterparties(interpretation, await tools.Analytics.TopCounterpartiesAsync(asker,
                    new TopCounterpartiesRequest(Need(), slots.Count ?? 5, accountId), ct));
            case Intent.MonthOverMonth:
                var previous = Need().Previous(asker.Zone);
                return AnswerComposer.MonthOverMonth(interpretation, previous, await tools.Analytics.MonthOverMonthAsync(asker,
                    new MonthOverMonthRequest(Need(), previous, slots.Category, accountId), ct));
            case Intent.BalanceAtDate:
                return AnswerComposer.Balance(interpretation, await tools.Ledger.BalanceAtAsync(asker,
                    new BalanceAtRequest(Need().End, accountId), ct));
            case Intent.LargestTransactions:
                return AnswerComposer.Largest(interpretation, await tools.Ledger.LargestTransactionsAsync(asker,
                    new LargestTransactionsRequest(Need(), slots.Count ?? 5, slots.MinAmount, slots.Category, slots.Counterparty, accountId), ct));
            case Intent.UnusualTransactions:
                return AnswerComposer.Unusual(interpretation, await tools.Fraud.UnusualTransactionsAsync(asker,
                    new UnusualTransactionsRequest(Need(), slots.Count ?? 5, accountId), ct));
            case Intent.WhyFlagged:
                var flag = await tools.Fraud.WhyFlaggedAsync(asker, new WhyFlaggedRequest(slots.RecordId), ct);
                return flag is null
                    ? Answer.Refused(new Refusal(RefusalReason.NotFound, "I can't answer that: I find no flag on your accounts" + (slots.RecordId is null ? "." : " with that id.")))
                    : AnswerComposer.WhyFlagged(interpretation, flag);
            case Intent.ReversalStatus:
                var reversal = await tools.Reversals.ReversalStatusAsync(asker, new ReversalStatusRequest(slots.RecordId), ct);
                return reversal is null
                    ? Answer.Refused(new Refusal(RefusalReason.NotFound, "I can't answer that: I find no reversal on your accounts" + (slots.RecordId is null ? "." : " with that id.")))
                    : AnswerComposer.Reversal(interpretation, reversal);
            default:
                return Answer.Refused(new Refusal(RefusalReason.Unsupported, "I can't answer that."));
        }
    }
}
