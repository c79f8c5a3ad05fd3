using System.Text.Json;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;

namespace LedgerX.Nlp.Api.Tools;

/// <summary>Tools whose calls are recorded for the answer (<see cref="AnswerOutcome.ToolCalls"/>).</summary>
public interface IRecordsToolCalls
{
    IReadOnlyList<ToolCallRecord> Calls { get; }
}

/// <summary>
/// The tools of one question over the asker's real data: each call reads the slice of the asker's accounts it needs
/// through Dapr service invocation (transaction-service's accounts, history, entries and reversals; fraud-service's
/// alerts), with the asker's token relayed, maps it into the domain's dataset shape and answers with
/// <see cref="ReferenceTools"/> over that slice. So the definitions (what counts as spending, which flag is the latest,
/// the order of rows) are the specification's by construction, not a second copy that could drift from it.
/// </summary>
public sealed class DaprNlpTools : IAnalyticsTools, ILedgerTools, IFraudTools, IReversalTools, IRecordsToolCalls
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly AskerData _data;
    private readonly EntryClassifier _classifier;
    private readonly string _userId;
    private readonly List<ToolCallRecord> _calls = [];
    private readonly Lock _gate = new();

    internal DaprNlpTools(AskerData data, EntryClassifier classifier, string userId)
    {
        _data = data;
        _classifier = classifier;
        _userId = userId;
    }

    public IReadOnlyList<ToolCallRecord> Calls
    {
        get { lock (_gate) return [.. _calls]; }
    }

    public NlpTools AsTools() => new(this, this, this, this);

    public async Task<SpendingByCategoryResult> SpendingByCategoryAsync(Asker asker, SpendingByCategoryRequest request, CancellationToken ct)
    {
        var slice = await HistorySliceAsync(ToolNames.SpendingByCategory, asker, request, request.AccountId, request.Period.Start, ct);
        return await slice.SpendingByCategoryAsync(asker, request, ct);
    }

    public async Task<IncomeVsSpendingResult> IncomeVsSpendingAsync(Asker asker, IncomeVsSpendingRequest request, CancellationToken ct)
    {
        var slice = await HistorySliceAsync(ToolNames.IncomeVsSpending, asker, request, request.AccountId, request.Period.Start, ct);
        return await slice.IncomeVsSpendingAsync(asker, request, ct);
    }

    public async Task<TopCounterpartiesResult> TopCounterpartiesAsync(Asker asker, TopCounterpartiesRequest request, CancellationToken ct)
    {
        var slice = await HistorySliceAsync(ToolNames.TopCounterparties, asker, request, request.AccountId, request.Period.Start, ct);
        return await slice.TopCounterpartiesAsync(asker, request, ct);
    }

    public async Task<MonthOverMonthResult> MonthOverMonthAsync(Asker asker, MonthOverMonthRequest request, CancellationToken ct)
    {
        var from = request.Previous.Start < request.Current.Start ? request.Previous.Start : request.Current.Start;
        var slice = await HistorySliceAsync(ToolNames.MonthOverMonth, asker, request, request.AccountId, from, ct);
        return await slice.MonthOverMonthAsync(asker, request, ct);
    }

    public async Task<AccountSummary?> ResolveAccountAsync(Asker asker, AccountReference reference, CancellationToken ct)
    {
        Record(ToolNames.ResolveAccount, asker, reference);
        var accounts = (await _data.AccountsAsync(ct)).Select(a => Account(a, [])).ToList();
        return await Reference(accounts, [], [], []).ResolveAccountAsync(asker, reference, ct);
    }

    /// <summary>The balance right after the last posting before the instant: the ledger's own <c>balanceAfter</c> (see
    /// docs/adr/0018's "Data sources" for why not analytics' balance history).</summary>
    public async Task<BalanceAtResult> BalanceAtAsync(Asker asker, BalanceAtRequest request, CancellationToken ct)
    {
        var slice = await HistorySliceAsync(ToolNames.BalanceAt, asker, request, request.AccountId, request.At, ct);
        return await slice.BalanceAtAsync(asker, request, ct);
    }

    public async Task<TransactionListResult> LargestTransactionsAsync(Asker asker, LargestTransactionsRequest request, CancellationToken ct)
    {
        var slice = await HistorySliceAsync(ToolNames.LargestTransactions, asker, request, request.AccountId, request.Period.Start, ct);
        return await slice.LargestTransactionsAsync(asker, request, ct);
    }

    public async Task<UnusualTransactionsResult> UnusualTransactionsAsync(Asker asker, UnusualTransactionsRequest request, CancellationToken ct)
    {
        Record(ToolNames.UnusualTransactions, asker, request);
        var accounts = await _data.AccountsAsync(request.AccountId, ct);
        // An alert is created after its entry is posted, so every alert on an entry of the period was created since its start.
        var alerts = (await _data.AlertsAsync(request.Period.Start, null, ct)).Where(a => accounts.Any(x => x.Id == a.AccountId)).ToList();
        var flagged = alerts.Select(a => (a.EntryId!.Value, a.AccountId)).ToHashSet();
        var datasetAccounts = new List<DatasetAccount>();
        var entries = new Dictionary<Guid, DatasetEntry>(); // one row per entry, even when it touched two of the asker's accounts
        foreach (var account in accounts)
        {
            var history = await _data.HistoryAsync(account.Id, request.Period.Start, ct);
            datasetAccounts.Add(Account(account, history));
            foreach (var item in history.Where(h => flagged.Contains((h.EntryId, account.Id))))
            {
                entries.TryAdd(item.EntryId, Entry(account.Id, item));
            }
        }
        var flags = alerts.Where(a => entries.TryGetValue(a.EntryId!.Value, out var e) && e.AccountId == a.AccountId).Select(Flag).ToList();
        return await Reference(datasetAccounts, [.. entries.Values], flags, []).UnusualTransactionsAsync(asker, request, ct);
    }

    public async Task<FlagExplanation?> WhyFlaggedAsync(Asker asker, WhyFlaggedRequest request, CancellationToken ct)
    {
        Record(ToolNames.WhyFlagged, asker, request);
        FraudAlert? alert;
        if (request.RecordId is not { } id)
        {
            alert = (await _data.AlertsAsync(null, _ => true, ct)).MaxBy(a => a.CreatedAt);
        }
        else
        {
            alert = await _data.AlertAsync(id, ct) is { EntryId: not null } byId ? byId
                // Not an alert of the asker's: the id may name one of the asker's entries instead.
                : await _data.EntryAsync(id, ct) is null ? null
                : (await _data.AlertsAsync(null, a => a.EntryId == id, ct)).Where(a => a.EntryId == id).MaxBy(a => a.CreatedAt);
        }
        if (alert is null || await _data.EntryAsync(alert.EntryId!.Value, ct) is not { } entry) return null;
        var account = (await _data.AccountsAsync(ct)).Single(a => a.Id == alert.AccountId);
        return await Reference([Account(account, [])], [Entry(account.Id, entry)], [Flag(alert)], []).WhyFlaggedAsync(asker, request, ct);
    }

    public async Task<ReversalStatus?> ReversalStatusAsync(Asker asker, ReversalStatusRequest request, CancellationToken ct)
    {
        Record(ToolNames.ReversalStatus, asker, request);
        LedgerReversal? reversal = request.ReversalId is { } id ? await _data.ReversalAsync(id, ct) : null;
        if (reversal is null)
        {
            // The most recent reversal, or (an id that is no reversal of the asker's) the latest of the entry it names.
            reversal = (await _data.ReversalsAsync(ct)).Where(r => request.ReversalId is null || r.EntryId == request.ReversalId).MaxBy(r => r.RequestedAt);
        }
        if (reversal is null || await _data.EntryAsync(reversal.EntryId, ct) is not { } entry) return null;
        var accounts = await _data.AccountsAsync(ct);
        // The entry as the asker's account saw it: the paying side when the asker paid, else the receiving side.
        var posting = entry.Postings.Where(p => accounts.Any(a => a.Id == p.AccountId)).OrderBy(p => p.Direction == "debit" ? 0 : 1).First();
        var account = accounts.Single(a => a.Id == posting.AccountId);
        var completed = reversal.Status is "completed" or "failed" ? reversal.UpdatedAt : (DateTimeOffset?)null;
        return await Reference([Account(account, [])], [Entry(account.Id, entry)],
            [], [new DatasetReversal(reversal.Id, reversal.EntryId, reversal.Status, reversal.RequestedAt, completed, reversal.FailureReason)])
            .ReversalStatusAsync(asker, request, ct);
    }

    /// <summary>The asker's accounts (one, or all) with every posting since <paramref name="from"/> and the balance before
    /// the oldest one read, as a dataset the reference tools answer over.</summary>
    private async Task<ReferenceTools> HistorySliceAsync(string tool, Asker asker, object request, Guid? accountId, DateTimeOffset from, CancellationToken ct)
    {
        Record(tool, asker, request);
        var accounts = new List<DatasetAccount>();
        var entries = new List<DatasetEntry>();
        foreach (var account in await _data.AccountsAsync(accountId, ct))
        {
            var history = await _data.HistoryAsync(account.Id, from, ct);
            accounts.Add(Account(account, history));
            entries.AddRange(history.Select(h => Entry(account.Id, h)));
        }
        return Reference(accounts, entries, [], []);
    }

    private ReferenceTools Reference(List<DatasetAccount> accounts, List<DatasetEntry> entries, List<DatasetFlag> flags, List<DatasetReversal> reversals) =>
        new(new SyntheticDataset(DateTimeOffset.MinValue, [], accounts, [.. entries.OrderBy(e => e.OccurredAt)], flags, reversals));

    /// <summary>The account with its balance before the oldest posting read (the ledger opens accounts at zero, so with the
    /// whole history read it is zero).</summary>
    private DatasetAccount Account(LedgerAccount account, IReadOnlyList<LedgerHistoryItem> newestFirst)
    {
        var opening = newestFirst.Count == 0 ? 0 : newestFirst[^1].BalanceAfter - newestFirst[^1].Amount;
        return new DatasetAccount(account.Id, _userId, AccountNames.Name(account), AccountNames.Last4(account), account.Currency, opening);
    }

    private DatasetEntry Entry(Guid accountId, LedgerHistoryItem item) => new(item.EntryId, accountId, item.PostedAt, item.Amount,
        item.Description ?? "", EntryClassifier.Counterparty(item.Metadata, item.Description), _classifier.Category(item.Category, item.Description));

    private DatasetEntry Entry(Guid accountId, LedgerEntry entry)
    {
        var signed = entry.Postings.Where(p => p.AccountId == accountId).Sum(p => p.Direction == "credit" ? p.Amount : -p.Amount);
        return new DatasetEntry(entry.Id, accountId, entry.PostedAt, signed, entry.Description ?? "",
            EntryClassifier.Counterparty(entry.Metadata, entry.Description), _classifier.Category(entry.Category, entry.Description));
    }

    /// <summary>Reasons are the fired rules' types (e.g. <c>drain_after_deposit</c>); fraud-service's score is 0–100.</summary>
    private static DatasetFlag Flag(FraudAlert alert) => new(alert.Id, alert.EntryId!.Value, (int)Math.Round(alert.Score, MidpointRounding.AwayFromZero),
        alert.CreatedAt, [.. alert.Reasons.Select(r => r.RuleType)]);

    private void Record(string tool, Asker asker, object request)
    {
        if (asker.UserId != _userId)
            throw new InvalidOperationException("These tools read one asker's data; a call for another asker is a bug in the caller.");
        var arguments = JsonSerializer.Serialize(request, request.GetType(), Json);
        lock (_gate) _calls.Add(new ToolCallRecord(tool, arguments));
    }
}
