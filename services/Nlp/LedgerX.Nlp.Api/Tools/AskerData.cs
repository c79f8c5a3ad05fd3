using System.Globalization;

namespace LedgerX.Nlp.Api.Tools;

/// <summary>One question's reads of the asker's own data, with the asker's token, cached for the question (a model may
/// call several tools over the same accounts). Every list is bounded by <see cref="ToolsOptions"/>; everything read is
/// filtered to the asker's own accounts again here, so a token that can see more (staff with <c>accounts:any</c>
/// asking about their own money) still only ever answers about the asker's.</summary>
internal sealed class AskerData(DownstreamClient downstream, ToolsOptions options, string userId, string accessToken)
{
    /// <summary>The largest page every list endpoint the tools read accepts.</summary>
    public const int PageSize = 200;

    private IReadOnlyList<LedgerAccount>? _accounts;
    private readonly Dictionary<Guid, AccountHistory> _histories = [];

    // A model may call tools concurrently: the caches fill one reader at a time.
    private readonly SemaphoreSlim _accountsGate = new(1, 1);
    private readonly SemaphoreSlim _historyGate = new(1, 1);

    private sealed class AccountHistory
    {
        public List<LedgerHistoryItem> Items { get; } = [];
        public string? NextCursor { get; set; }
        public bool Exhausted { get; set; }
        public int Pages { get; set; }
    }

    /// <summary>The asker's customer accounts (<c>ownerId</c> = the token's subject), oldest first.</summary>
    public async Task<IReadOnlyList<LedgerAccount>> AccountsAsync(CancellationToken ct)
    {
        await _accountsGate.WaitAsync(ct);
        try
        {
            return _accounts ??= await ReadAccountsAsync(ct);
        }
        finally
        {
            _accountsGate.Release();
        }
    }

    private async Task<IReadOnlyList<LedgerAccount>> ReadAccountsAsync(CancellationToken ct)
    {
        var accounts = new List<LedgerAccount>();
        string? cursor = null;
        for (var page = 0; ; page++)
        {
            if (page == options.MaxListPages)
                throw new ToolLimitExceededException($"You have more accounts than I read at once ({options.MaxListPages * PageSize}).");
            var path = $"/api/v1/accounts?ownerId={Uri.EscapeDataString(userId)}&limit={PageSize}" + After(cursor);
            var result = await downstream.GetAsync<DownstreamPage<LedgerAccount>>(AppIds.TransactionService, path, accessToken, ct)
                ?? throw new ToolUnavailableException(AppIds.TransactionService, "transaction-service answered 404 to the account list.");
            accounts.AddRange(result.Items.Where(a => a.OwnerId == userId && a.Kind == "customer"));
            if ((cursor = result.NextCursor) is null) break;
        }
        return accounts;
    }

    public async Task<IReadOnlyList<LedgerAccount>> AccountsAsync(Guid? only, CancellationToken ct) =>
        (await AccountsAsync(ct)).Where(a => only is null || a.Id == only).ToList();

    /// <summary>The account's postings newest first, read page by page until one posted before <paramref name="from"/> (or
    /// the account's first): so every posting at or after <paramref name="from"/> is there, and the one before it.</summary>
    public async Task<IReadOnlyList<LedgerHistoryItem>> HistoryAsync(Guid accountId, DateTimeOffset from, CancellationToken ct)
    {
        await _historyGate.WaitAsync(ct);
        try
        {
            return await ReadHistoryAsync(accountId, from, ct);
        }
        finally
        {
            _historyGate.Release();
        }
    }

    private async Task<IReadOnlyList<LedgerHistoryItem>> ReadHistoryAsync(Guid accountId, DateTimeOffset from, CancellationToken ct)
    {
        if (!_histories.TryGetValue(accountId, out var history)) _histories[accountId] = history = new AccountHistory();
        while (!history.Exhausted && (history.Items.Count == 0 || history.Items[^1].PostedAt >= from))
        {
            if (history.Pages == options.MaxHistoryPages)
                throw new ToolLimitExceededException(
                    $"That period reaches further back than I read at once ({options.MaxHistoryPages * PageSize} postings of an account); please ask about a shorter or more recent period.");
            var path = $"/api/v1/accounts/{accountId}/history?limit={PageSize}" + After(history.NextCursor);
            var page = await downstream.GetAsync<DownstreamPage<LedgerHistoryItem>>(AppIds.TransactionService, path, accessToken, ct)
                ?? throw new ToolUnavailableException(AppIds.TransactionService, $"transaction-service no longer finds account {accountId}.");
            history.Pages++;
            history.Items.AddRange(page.Items);
            history.NextCursor = page.NextCursor;
            history.Exhausted = page.NextCursor is null;
        }
        return [.. history.Items]; // a copy: a later, longer read must not change what a caller holds
    }

    /// <summary>An entry with a posting on one of the asker's accounts, else null (unknown, or someone else's).</summary>
    public async Task<LedgerEntry?> EntryAsync(Guid id, CancellationToken ct)
    {
        var entry = await downstream.GetAsync<LedgerEntry>(AppIds.TransactionService, $"/api/v1/entries/{id}", accessToken, ct);
        return entry is not null && await TouchesAsync(entry.Postings.Select(p => p.AccountId), ct) ? entry : null;
    }

    /// <summary>An alert on one of the asker's accounts, else null.</summary>
    public async Task<FraudAlert?> AlertAsync(Guid id, CancellationToken ct)
    {
        var alert = await downstream.GetAsync<FraudAlert>(AppIds.FraudService, $"/api/v1/alerts/{id}", accessToken, ct);
        return alert is not null && await TouchesAsync([alert.AccountId], ct) ? alert : null;
    }

    /// <summary>Alerts on the asker's accounts on entries (not holds), newest first, created at or after
    /// <paramref name="since"/>; reading stops at the first page holding one <paramref name="enough"/> accepts.</summary>
    public async Task<List<FraudAlert>> AlertsAsync(DateTimeOffset? since, Func<FraudAlert, bool>? enough, CancellationToken ct)
    {
        var alerts = new List<FraudAlert>();
        string? cursor = null;
        for (var page = 0; ; page++)
        {
            if (page == options.MaxListPages)
                throw new ToolLimitExceededException($"There are more alerts than I read at once ({options.MaxListPages * PageSize}); please ask about a shorter period.");
            var path = $"/api/v1/alerts?limit={PageSize}"
                + (since is { } s ? "&since=" + Uri.EscapeDataString(s.ToString("O", CultureInfo.InvariantCulture)) : "") + After(cursor);
            var result = await downstream.GetAsync<DownstreamPage<FraudAlert>>(AppIds.FraudService, path, accessToken, ct)
                ?? throw new ToolUnavailableException(AppIds.FraudService, "fraud-service answered 404 to the alert list.");
            var mine = await OwnedAsync(result.Items, a => a.AccountId, ct);
            alerts.AddRange(mine.Where(a => a.EntryId is not null));
            if (enough is not null && alerts.Any(enough)) break;
            if ((cursor = result.NextCursor) is null) break;
        }
        return alerts;
    }

    /// <summary>A reversal touching one of the asker's accounts, else null.</summary>
    public async Task<LedgerReversal?> ReversalAsync(Guid id, CancellationToken ct)
    {
        var reversal = await downstream.GetAsync<LedgerReversal>(AppIds.TransactionService, $"/api/v1/reversals/{id}", accessToken, ct);
        return reversal is not null && await TouchesAsync([reversal.AccountId, reversal.CounterpartyAccountId], ct) ? reversal : null;
    }

    /// <summary>Every reversal touching one of the asker's accounts.</summary>
    public async Task<List<LedgerReversal>> ReversalsAsync(CancellationToken ct)
    {
        var reversals = new List<LedgerReversal>();
        string? cursor = null;
        for (var page = 0; ; page++)
        {
            if (page == options.MaxListPages)
                throw new ToolLimitExceededException($"There are more reversals than I read at once ({options.MaxListPages * PageSize}).");
            var result = await downstream.GetAsync<DownstreamPage<LedgerReversal>>(AppIds.TransactionService,
                    $"/api/v1/reversals?limit={PageSize}" + After(cursor), accessToken, ct)
                ?? throw new ToolUnavailableException(AppIds.TransactionService, "transaction-service answered 404 to the reversal list.");
            foreach (var reversal in result.Items)
            {
                if (await TouchesAsync([reversal.AccountId, reversal.CounterpartyAccountId], ct)) reversals.Add(reversal);
            }
            if ((cursor = result.NextCursor) is null) break;
        }
        return reversals;
    }

    private async Task<bool> TouchesAsync(IEnumerable<Guid> accountIds, CancellationToken ct)
    {
        var mine = (await AccountsAsync(ct)).Select(a => a.Id).ToHashSet();
        return accountIds.Any(mine.Contains);
    }

    private async Task<List<T>> OwnedAsync<T>(IEnumerable<T> items, Func<T, Guid> account, CancellationToken ct)
    {
        var mine = (await AccountsAsync(ct)).Select(a => a.Id).ToHashSet();
        return items.Where(i => mine.Contains(account(i))).ToList();
    }

    private static string After(string? cursor) => cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor);
}
