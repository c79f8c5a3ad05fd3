using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;

namespace LedgerX.Nlp.Domain.Evaluation;

/// <summary>The tools computed directly over the in-memory dataset: the reference the evaluation's expected figures come
/// from, and the specification the service's Dapr-backed tools must agree with. Definitions: spending = debits (shown
/// positive), income = credits, largest transactions = the largest debits, unusual = flagged by fraud-service. Every
/// query starts from the asker's own accounts; a foreign account or record is simply not found.</summary>
public sealed class ReferenceTools(SyntheticDataset data) : IAnalyticsTools, ILedgerTools, IFraudTools, IReversalTools
{
    public NlpTools AsTools() => new(this, this, this, this);

    private IReadOnlyList<DatasetAccount> AccountsOf(Asker asker, Guid? accountId) =>
        data.Accounts.Where(a => a.UserId == asker.UserId && (accountId is null || a.Id == accountId)).ToList();

    private IEnumerable<(DatasetEntry Entry, DatasetAccount Account)> EntriesOf(Asker asker, Guid? accountId, Period period)
    {
        var accounts = AccountsOf(asker, accountId).ToDictionary(a => a.Id);
        return data.Entries.Where(e => accounts.ContainsKey(e.AccountId) && e.OccurredAt >= period.Start && e.OccurredAt < period.End)
            .Select(e => (e, accounts[e.AccountId]));
    }

    private static bool Matches(string? filter, string value) =>
        filter is null || value.Contains(filter, StringComparison.OrdinalIgnoreCase);

    private static TransactionRow Row(DatasetEntry e, DatasetAccount a) =>
        new(e.Id, a.Id, e.OccurredAt, new Money(e.AmountMinor, a.Currency), e.Description, e.Counterparty, e.Category);

    public Task<SpendingByCategoryResult> SpendingByCategoryAsync(Asker asker, SpendingByCategoryRequest request, CancellationToken ct)
    {
        var rows = EntriesOf(asker, request.AccountId, request.Period)
            .Where(x => x.Entry.AmountMinor < 0 && Matches(request.Category, x.Entry.Category) && Matches(request.Counterparty, x.Entry.Counterparty))
            .GroupBy(x => (x.Entry.Category, x.Account.Currency))
            .Select(g => new CategoryTotal(g.Key.Category, new Money(-g.Sum(x => x.Entry.AmountMinor), g.Key.Currency), g.Count(),
                g.OrderBy(x => x.Entry.OccurredAt).Select(x => x.Entry.Id).ToList()))
            .OrderByDescending(r => r.Total.Minor).ThenBy(r => r.Category, StringComparer.Ordinal).ToList();
        return Task.FromResult(new SpendingByCategoryResult(rows));
    }

    public Task<IncomeVsSpendingResult> IncomeVsSpendingAsync(Asker asker, IncomeVsSpendingRequest request, CancellationToken ct)
    {
        var rows = EntriesOf(asker, request.AccountId, request.Period).GroupBy(x => x.Account.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var income = new Money(g.Where(x => x.Entry.AmountMinor > 0).Sum(x => x.Entry.AmountMinor), g.Key);
                var spending = new Money(-g.Where(x => x.Entry.AmountMinor < 0).Sum(x => x.Entry.AmountMinor), g.Key);
                return new IncomeSpending(income, spending, income.Minus(spending), g.OrderBy(x => x.Entry.OccurredAt).Select(x => x.Entry.Id).ToList());
            }).ToList();
        return Task.FromResult(new IncomeVsSpendingResult(rows));
    }

    public Task<TopCounterpartiesResult> TopCounterpartiesAsync(Asker asker, TopCounterpartiesRequest request, CancellationToken ct)
    {
        var rows = EntriesOf(asker, request.AccountId, request.Period).Where(x => x.Entry.AmountMinor < 0)
            .GroupBy(x => (x.Entry.Counterparty, x.Account.Currency))
            .Select(g => new CounterpartyTotal(g.Key.Counterparty, new Money(-g.Sum(x => x.Entry.AmountMinor), g.Key.Currency), g.Count(),
                g.OrderBy(x => x.Entry.OccurredAt).Select(x => x.Entry.Id).ToList()))
            .OrderByDescending(r => r.Total.Minor).ThenBy(r => r.Counterparty, StringComparer.Ordinal).Take(request.Count).ToList();
        return Task.FromResult(new TopCounterpartiesResult(rows));
    }

    public Task<MonthOverMonthResult> MonthOverMonthAsync(Asker asker, MonthOverMonthRequest request, CancellationToken ct)
    {
        List<(DatasetEntry Entry, DatasetAccount Account)> Debits(Period period) => EntriesOf(asker, request.AccountId, period)
            .Where(x => x.Entry.AmountMinor < 0 && Matches(request.Category, x.Entry.Category)).ToList();
        var current = Debits(request.Current);
        var previous = Debits(request.Previous);
        var rows = current.Concat(previous).Select(x => x.Account.Currency).Distinct().OrderBy(c => c, StringComparer.Ordinal).Select(currency =>
        {
            var now = new Money(-current.Where(x => x.Account.Currency == currency).Sum(x => x.Entry.AmountMinor), currency);
            var before = new Money(-previous.Where(x => x.Account.Currency == currency).Sum(x => x.Entry.AmountMinor), currency);
            var ids = previous.Concat(current).Where(x => x.Account.Currency == currency).OrderBy(x => x.Entry.OccurredAt).Select(x => x.Entry.Id).ToList();
            return new PeriodComparison(now, before, now.Minus(before), ids);
        }).ToList();
        return Task.FromResult(new MonthOverMonthResult(rows));
    }

    public Task<AccountSummary?> ResolveAccountAsync(Asker asker, AccountReference reference, CancellationToken ct)
    {
        static string Kind(string name) => name.ToLowerInvariant() is "current" or "checking" or "giro" ? "everyday" : name.ToLowerInvariant();
        var account = AccountsOf(asker, null).FirstOrDefault(a =>
            (reference.Last4 is null || a.Last4 == reference.Last4) && (reference.Name is null || Kind(a.Name) == Kind(reference.Name)));
        return Task.FromResult(account is null ? null : new AccountSummary(account.Id, account.Name, account.Last4, account.Currency));
    }

    public Task<BalanceAtResult> BalanceAtAsync(Asker asker, BalanceAtRequest request, CancellationToken ct)
    {
        var rows = AccountsOf(asker, request.AccountId).Select(a =>
        {
            var before = data.Entries.Where(e => e.AccountId == a.Id && e.OccurredAt < request.At).ToList();
            return new AccountBalance(a.Id, a.Name, new Money(a.OpeningMinor + before.Sum(e => e.AmountMinor), a.Currency),
                before.Count == 0 ? null : before.MaxBy(e => e.OccurredAt)!.Id);
        }).ToList();
        return Task.FromResult(new BalanceAtResult(rows));
    }

    public Task<TransactionListResult> LargestTransactionsAsync(Asker asker, LargestTransactionsRequest request, CancellationToken ct)
    {
        var rows = EntriesOf(asker, request.AccountId, request.Period)
            .Where(x => x.Entry.AmountMinor < 0 && Matches(request.Category, x.Entry.Category) && Matches(request.Counterparty, x.Entry.Counterparty))
            .Where(x => request.MinAmount is not { } min || ((min.Currency is null || min.Currency == x.Account.Currency) && -x.Entry.AmountMinor > min.Minor))
            .OrderBy(x => x.Entry.AmountMinor).ThenBy(x => x.Entry.OccurredAt).Take(request.Count)
            .Select(x => Row(x.Entry, x.Account)).ToList();
        return Task.FromResult(new TransactionListResult(rows));
    }

    public Task<UnusualTransactionsResult> UnusualTransactionsAsync(Asker asker, UnusualTransactionsRequest request, CancellationToken ct)
    {
        var entries = EntriesOf(asker, request.AccountId, request.Period).ToDictionary(x => x.Entry.Id);
        var rows = data.Flags.Where(f => entries.ContainsKey(f.EntryId)).OrderByDescending(f => f.Score).ThenBy(f => f.FlaggedAt).Take(request.Count)
            .Select(f => new FlagExplanation(f.Id, Row(entries[f.EntryId].Entry, entries[f.EntryId].Account), f.Score, f.FlaggedAt, f.Reasons)).ToList();
        return Task.FromResult(new UnusualTransactionsResult(rows));
    }

    public Task<FlagExplanation?> WhyFlaggedAsync(Asker asker, WhyFlaggedRequest request, CancellationToken ct)
    {
        var accounts = AccountsOf(asker, null).ToDictionary(a => a.Id);
        var entries = data.Entries.Where(e => accounts.ContainsKey(e.AccountId)).ToDictionary(e => e.Id);
        var flag = data.Flags.Where(f => entries.ContainsKey(f.EntryId) && (request.RecordId is null || f.Id == request.RecordId || f.EntryId == request.RecordId))
            .MaxBy(f => f.FlaggedAt);
        if (flag is null) return Task.FromResult<FlagExplanation?>(null);
        var entry = entries[flag.EntryId];
        return Task.FromResult<FlagExplanation?>(new FlagExplanation(flag.Id, Row(entry, accounts[entry.AccountId]), flag.Score, flag.FlaggedAt, flag.Reasons));
    }

    public Task<ReversalStatus?> ReversalStatusAsync(Asker asker, ReversalStatusRequest request, CancellationToken ct)
    {
        var accounts = AccountsOf(asker, null).ToDictionary(a => a.Id);
        var entries = data.Entries.Where(e => accounts.ContainsKey(e.AccountId)).ToDictionary(e => e.Id);
        var reversal = data.Reversals.Where(r => entries.ContainsKey(r.EntryId) && (request.ReversalId is null || r.Id == request.ReversalId || r.EntryId == request.ReversalId))
            .MaxBy(r => r.RequestedAt);
        if (reversal is null) return Task.FromResult<ReversalStatus?>(null);
        var entry = entries[reversal.EntryId];
        return Task.FromResult<ReversalStatus?>(new ReversalStatus(reversal.Id, entry.Id, reversal.Status,
            new Money(-entry.AmountMinor, accounts[entry.AccountId].Currency), reversal.RequestedAt, reversal.CompletedAt, reversal.FailureReason));
    }
}
