namespace LedgerX.Nlp.Api.Tools;

// What the tools read from the other services' v1 APIs: only the fields they use (a consumer declares its own shapes).
// Money is in minor units of `currency`.

internal static class AppIds
{
    public const string TransactionService = "transaction-service";
    public const string FraudService = "fraud-service";
}

internal sealed record DownstreamPage<T>(List<T> Items, string? NextCursor);

/// <summary>transaction-service <c>GET /api/v1/accounts</c> item.</summary>
internal sealed record LedgerAccount(Guid Id, string OwnerId, string Currency, string Kind, Dictionary<string, string>? Metadata);

/// <summary>transaction-service <c>GET /api/v1/accounts/{id}/history</c> item: <c>amount</c> signed (debits negative).</summary>
internal sealed record LedgerHistoryItem(Guid EntryId, long Sequence, string Kind, string Direction, long Amount, string Currency,
    long BalanceAfter, string? Description, string? Category, DateTimeOffset PostedAt, Dictionary<string, string>? Metadata);

/// <summary>transaction-service <c>GET /api/v1/entries/{id}</c>: postings carry unsigned amounts and a direction.</summary>
internal sealed record LedgerEntry(Guid Id, string Kind, string? Description, string? Category, Dictionary<string, string>? Metadata,
    List<LedgerPosting> Postings, DateTimeOffset PostedAt);

internal sealed record LedgerPosting(Guid AccountId, string Direction, long Amount, string Currency);

/// <summary>transaction-service <c>GET /api/v1/reversals[/{id}]</c>.</summary>
internal sealed record LedgerReversal(Guid Id, Guid EntryId, Guid AccountId, Guid CounterpartyAccountId, long Amount, string Currency,
    string Status, string? FailureReason, DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt);

/// <summary>fraud-service <c>GET /api/v1/alerts[/{id}]</c>: <c>entryId</c> is null for an alert on a hold.</summary>
internal sealed record FraudAlert(Guid Id, Guid AccountId, double Score, List<FraudAlertReason> Reasons, Guid? EntryId, DateTimeOffset CreatedAt);

internal sealed record FraudAlertReason(string RuleId, string RuleType);
