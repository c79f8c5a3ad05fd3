using LedgerX.Transactions.Domain;
using Npgsql;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>
/// What <c>GET /accounts/{id}</c> and <c>GET /holds/{id}</c> serve, checked against the replayed log: every column of
/// every <c>accounts</c> and <c>holds</c> row, streamed in key order. The replayed state itself holds every account and
/// hold (the replay needs them); the only extra memory is the set of ids seen, to name the rows that are missing.
/// </summary>
internal static class StateVerification
{
    public const string Accounts = "accounts";
    public const string Holds = "holds";

    /// <summary>Returns how many stored account rows were compared.</summary>
    public static async Task<int> CheckAccountsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerState state,
        DiscrepancyLog log, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT id, owner_id, currency, kind, status, overdraft_limit, balance, held, metadata::text, opened_at, version
            FROM accounts ORDER BY id
            """, connection, transaction);
        var seen = new HashSet<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetGuid(0);
                seen.Add(id);
                if (state.FindAccount(new AccountId(id)) is not { } a)
                {
                    log.Add(new Discrepancy("unknown_account", $"Account {id} is stored but was never opened in the event log.",
                        AccountId: id, Table: Accounts, Row: id.ToString()));
                    continue;
                }
                var row = new RowComparison(log, "account_mismatch", Accounts, id.ToString(), null, id);
                row.Column("owner_id", a.OwnerId, reader.GetString(1));
                row.Column("currency", a.Currency.Code, reader.GetString(2));
                row.Column("kind", StoredValues.Lower(a.Kind), reader.GetString(3));
                row.Column("status", StoredValues.Lower(a.Status), reader.GetString(4), "status_mismatch");
                row.Column("overdraft_limit", StoredValues.Of(a.OverdraftLimit), StoredValues.Of(reader.GetInt64(5)));
                row.Column("balance", StoredValues.Of(a.Balance), StoredValues.Of(reader.GetInt64(6)), "balance_mismatch");
                row.Column("held", StoredValues.Of(a.Held), StoredValues.Of(reader.GetInt64(7)), "held_mismatch");
                row.Column("metadata", StoredValues.Of(a.Metadata), StoredValues.Metadata(reader.GetString(8)));
                row.Column("opened_at", StoredValues.Of(a.OpenedAt), StoredValues.Of(reader.GetFieldValue<DateTimeOffset>(9)));
                row.Column("version", StoredValues.Of(a.Version), StoredValues.Of(reader.GetInt64(10)));
            }
        }
        foreach (var missing in state.Accounts.Where(a => !seen.Contains(a.Id.Value)).OrderBy(a => a.Id.Value))
        {
            log.Add(new Discrepancy("account_missing", $"The event log opened account {missing.Id}; it is not stored.",
                AccountId: missing.Id.Value, Expected: missing.Id.ToString(), Table: Accounts, Row: missing.Id.ToString()));
        }
        return seen.Count;
    }

    /// <summary>Returns how many stored hold rows were compared.</summary>
    public static async Task<long> CheckHoldsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerState state,
        DiscrepancyLog log, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT id, account_id, to_account_id, amount, currency, status, posted_amount, entry_id, description, created_at, expires_at,
                closed_at, reversal_id
            FROM holds ORDER BY id
            """, connection, transaction);
        var seen = new HashSet<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetGuid(0);
                seen.Add(id);
                if (state.FindHold(new HoldId(id)) is not { } h)
                {
                    log.Add(new Discrepancy("hold_mismatch", $"Hold {id} is stored but was never created in the event log.",
                        AccountId: reader.GetGuid(1), Expected: "absent", Actual: "present", Table: Holds, Row: id.ToString()));
                    continue;
                }
                var row = new RowComparison(log, "hold_mismatch", Holds, id.ToString(), null, h.AccountId.Value);
                row.Column("account_id", StoredValues.Of(h.AccountId.Value), StoredValues.Of(reader.GetGuid(1)));
                row.Column("to_account_id", StoredValues.Of(h.ToAccountId.Value), StoredValues.Of(reader.GetGuid(2)));
                row.Column("amount", StoredValues.Of(h.Amount.Amount), StoredValues.Of(reader.GetInt64(3)));
                row.Column("currency", h.Amount.Currency.Code, reader.GetString(4));
                row.Column("status", StoredValues.Lower(h.Status), reader.GetString(5));
                row.Column("posted_amount", StoredValues.Of(h.PostedAmount), StoredValues.Of(reader.GetInt64(6)));
                row.Column("entry_id", StoredValues.Of(h.EntryId?.Value), StoredValues.Of(reader.IsDBNull(7) ? null : reader.GetGuid(7)));
                row.Column("description", h.Description, reader.IsDBNull(8) ? null : reader.GetString(8));
                row.Column("created_at", StoredValues.Of(h.CreatedAt), StoredValues.Of(reader.GetFieldValue<DateTimeOffset>(9)));
                row.Column("expires_at", StoredValues.Of(h.ExpiresAt), StoredValues.Of(reader.GetFieldValue<DateTimeOffset>(10)));
                row.Column("closed_at", StoredValues.Of(h.ClosedAt), StoredValues.Of(reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11)));
                // Which reversal owns a hold decides who may void or post it, so a row that lost or gained it is a discrepancy.
                row.Column("reversal_id", StoredValues.Of(h.ReversalId?.Value), StoredValues.Of(reader.IsDBNull(12) ? null : reader.GetGuid(12)));
            }
        }
        foreach (var missing in state.Holds.Where(h => !seen.Contains(h.Id.Value)).OrderBy(h => h.Id.Value))
        {
            log.Add(new Discrepancy("hold_mismatch", $"The event log created hold {missing.Id}; it is not stored.",
                AccountId: missing.AccountId.Value, Expected: "present", Actual: "absent", Table: Holds, Row: missing.Id.ToString()));
        }
        return seen.Count;
    }
}
