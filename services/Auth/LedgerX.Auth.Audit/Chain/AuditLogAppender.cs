using LedgerX.Auth.Audit.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace LedgerX.Auth.Audit.Chain;

/// <summary>Appended as <see cref="Sequence"/>, or already there under that sequence (a redelivery).</summary>
public sealed record AppendResult(long Sequence, bool Duplicate);

/// <summary>
/// Appends audit events to the chain, one at a time: each append locks the head row (FOR UPDATE), so concurrent
/// deliveries and replicas queue there and the chain stays linear and gapless. An event id already in the log is
/// a no-op that answers with its sequence (deliveries are at least once). Checked for duplicates under the same lock,
/// so two deliveries of one event cannot both append.
/// </summary>
public sealed class AuditLogAppender(AuditLogDbContext db, TimeProvider clock)
{
    private const string LockHead = $"SELECT sequence, hash FROM {AuditLogDbContext.Schema}.{AuditLogDbContext.HeadTable} WHERE id = 1 FOR UPDATE";
    private const string FindEvent = $"SELECT sequence FROM {AuditLogDbContext.Schema}.{AuditLogDbContext.RecordsTable} WHERE event_id = $1";
    private const string Insert =
        $"""
        INSERT INTO {AuditLogDbContext.Schema}.{AuditLogDbContext.RecordsTable}
            (sequence, event_id, occurred_at, source, actor_type, actor_id, action, subject_type, subject_id, outcome, details, trace_id,
             recorded_at, previous_hash, hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        """;
    private const string MoveHead = $"UPDATE {AuditLogDbContext.Schema}.{AuditLogDbContext.HeadTable} SET sequence = $1, hash = $2 WHERE id = 1";

    /// <summary>Appends <paramref name="e"/>, which the caller has checked against <see cref="AuditRecordedRules"/>.</summary>
    public async Task<AppendResult> AppendAsync(AuditRecorded e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (AuditRecordedRules.Problems(e) is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Audit event {e.EventId} breaks audit.recorded.v1: {string.Join("; ", problems)}", nameof(e));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var tx = (NpgsqlTransaction)transaction.GetDbTransaction();

        long headSequence;
        byte[] headHash;
        await using (var head = new NpgsqlCommand(LockHead, connection, tx))
        await using (var reader = await head.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                throw new InvalidOperationException("The audit log has no chain head row; its migrations have not run.");
            }
            headSequence = reader.GetInt64(0);
            headHash = reader.GetFieldValue<byte[]>(1);
        }

        await using (var find = new NpgsqlCommand(FindEvent, connection, tx) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = e.EventId } } })
        {
            if (await find.ExecuteScalarAsync(ct) is long existing)
            {
                await transaction.CommitAsync(ct);
                return new AppendResult(existing, Duplicate: true);
            }
        }

        var row = new AuditRecordRow
        {
            Sequence = headSequence + 1,
            EventId = e.EventId,
            OccurredAt = AuditChain.ToMicroseconds(e.OccurredAt),
            Source = e.Source,
            ActorType = e.Actor.Type,
            ActorId = e.Actor.Id,
            Action = e.Action,
            SubjectType = e.Subject?.Type,
            SubjectId = e.Subject?.Id,
            Outcome = e.Outcome,
            Details = AuditChain.SerializeDetails(e.Details),
            TraceId = e.TraceId,
            RecordedAt = AuditChain.ToMicroseconds(clock.GetUtcNow()),
            PreviousHash = headHash,
            Hash = [],
        };
        var hash = AuditChain.Next(headHash, row);

        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Insert)
            {
                Parameters =
                {
                    new NpgsqlParameter<long> { TypedValue = row.Sequence },
                    new NpgsqlParameter<Guid> { TypedValue = row.EventId },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = row.OccurredAt },
                    new NpgsqlParameter<string> { TypedValue = row.Source },
                    new NpgsqlParameter<string> { TypedValue = row.ActorType },
                    new NpgsqlParameter<string> { TypedValue = row.ActorId },
                    new NpgsqlParameter<string> { TypedValue = row.Action },
                    Text(row.SubjectType),
                    Text(row.SubjectId),
                    new NpgsqlParameter<string> { TypedValue = row.Outcome },
                    new NpgsqlParameter { Value = (object?)row.Details ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb },
                    Text(row.TraceId),
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = row.RecordedAt },
                    new NpgsqlParameter<byte[]> { TypedValue = headHash },
                    new NpgsqlParameter<byte[]> { TypedValue = hash },
                },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(MoveHead)
            {
                Parameters = { new NpgsqlParameter<long> { TypedValue = row.Sequence }, new NpgsqlParameter<byte[]> { TypedValue = hash } },
            });
            await batch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return new AppendResult(row.Sequence, Duplicate: false);
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar };
}
