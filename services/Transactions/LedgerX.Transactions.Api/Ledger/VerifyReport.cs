namespace LedgerX.Transactions.Api.Ledger;

/// <summary>The outcome of a verification. <see cref="Ok"/> is true only when nothing disagrees;
/// <see cref="FirstDiscrepancy"/> is the first thing found, <see cref="Discrepancies"/> the first
/// <see cref="LedgerVerifier.MaxReported"/> of them, and <see cref="DiscrepancyCount"/> how many were found in all.</summary>
public sealed record VerifyReport(
    bool Ok,
    long EventsChecked,
    int AccountsChecked,
    long LastSequence,
    Discrepancy? FirstDiscrepancy,
    long EntriesChecked = 0,
    long PostingsChecked = 0,
    long HoldsChecked = 0,
    long DiscrepancyCount = 0,
    IReadOnlyList<Discrepancy>? Discrepancies = null);

/// <summary>One thing found wrong. <see cref="Kind"/> is one of: sequence_gap, chain_broken, hash_mismatch, replay_failed,
/// unbalanced_entry, limit_breached, head_mismatch, account_missing, unknown_account, balance_mismatch, held_mismatch,
/// status_mismatch, account_mismatch, hold_mismatch, entry_missing, entry_unexpected, entry_mismatch, posting_missing,
/// posting_unexpected, posting_mismatch. For a stored row, <see cref="Table"/>, <see cref="Column"/> and <see cref="Row"/>
/// say exactly which value disagrees with the event log (<see cref="Expected"/> is the log's, <see cref="Actual"/> the table's).</summary>
public sealed record Discrepancy(
    string Kind,
    string Message,
    long? Sequence = null,
    Guid? AccountId = null,
    string? Expected = null,
    string? Actual = null,
    string? Table = null,
    string? Column = null,
    string? Row = null);

/// <summary>Collects discrepancies: keeps the first <paramref name="max"/> (a tampered table must not make the report, or
/// the verifier's memory, as large as the table) and counts the rest.</summary>
internal sealed class DiscrepancyLog(int max)
{
    private readonly List<Discrepancy> _kept = [];

    public long Count { get; private set; }

    public IReadOnlyList<Discrepancy> Kept => _kept;

    public void Add(Discrepancy discrepancy)
    {
        Count++;
        if (_kept.Count < max)
        {
            _kept.Add(discrepancy);
        }
    }
}

/// <summary>Compares one stored row with what the event log says it must hold, column by column, and logs each column
/// that differs as its own discrepancy. Values are compared as canonical text, which is also what the report shows.</summary>
internal readonly struct RowComparison(DiscrepancyLog log, string kind, string table, string row, long? sequence, Guid? accountId)
{
    public void Column(string column, string? expected, string? actual, string? kindOverride = null)
    {
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return;
        }
        log.Add(new Discrepancy(kindOverride ?? kind,
            $"{table} row {row}: {column} is {Show(actual)}; the event log gives {Show(expected)}.",
            sequence, accountId, expected, actual, table, column, row));
    }

    private static string Show(string? value) => value is null ? "null" : $"'{value}'";
}
