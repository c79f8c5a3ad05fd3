using System.Data;
using LedgerX.Auth.Audit.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LedgerX.Auth.Audit.Chain;

/// <summary>Where the chain first breaks, and why: <c>sequence_gap</c> (a record is missing: <see cref="Sequence"/> is the
/// first absent one), <c>chain_broken</c> (a record's previous_hash is not its predecessor's hash), <c>hash_mismatch</c> (a
/// record's stored hash is not the hash of its content: it was changed) or <c>head_mismatch</c> (the head row disagrees
/// with the last record).</summary>
public sealed record ChainBreak(long Sequence, string Reason, string Detail);

/// <summary>The verdict: how many records were checked, the last one's sequence and hash, and the first break if any.</summary>
public sealed record VerifyReport(bool Ok, long Count, long HeadSequence, string HeadHash, ChainBreak? FirstBreak);

/// <summary>
/// Recomputes the whole chain from the stored records, in one REPEATABLE READ READ ONLY transaction (a consistent view
/// while appends go on), in pages of <see cref="PageSize"/> by sequence, so memory holds one page. Stops at the first
/// break: every hash after it is suspect anyway.
/// </summary>
public sealed class AuditLogVerifier(AuditLogDbContext db)
{
    public const int PageSize = 1000;

    public async Task<VerifyReport> VerifyAsync(CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await db.Database.ExecuteSqlRawAsync("SET TRANSACTION READ ONLY", ct);

        var previousHash = AuditChain.Genesis;
        var expected = 1L;
        var count = 0L;
        while (true)
        {
            var after = expected - 1;
            var page = await db.Records.AsNoTracking().Where(r => r.Sequence > after).OrderBy(r => r.Sequence).Take(PageSize).ToListAsync(ct);
            foreach (var record in page)
            {
                if (record.Sequence != expected)
                {
                    return Broken(count, previousHash, new ChainBreak(expected, "sequence_gap", $"record {expected} is missing; the next is {record.Sequence}"));
                }
                if (!record.PreviousHash.AsSpan().SequenceEqual(previousHash))
                {
                    return Broken(count, previousHash, new ChainBreak(record.Sequence, "chain_broken",
                        $"previous_hash {AuditChain.Hex(record.PreviousHash)} is not record {record.Sequence - 1}'s hash {AuditChain.Hex(previousHash)}"));
                }
                var hash = AuditChain.Next(previousHash, record);
                if (!record.Hash.AsSpan().SequenceEqual(hash))
                {
                    return Broken(count, previousHash, new ChainBreak(record.Sequence, "hash_mismatch",
                        $"stored hash {AuditChain.Hex(record.Hash)}, content hashes to {AuditChain.Hex(hash)}: the record was changed"));
                }
                previousHash = hash;
                expected++;
                count++;
            }
            if (page.Count < PageSize)
            {
                break;
            }
        }

        var head = await db.Head.AsNoTracking().SingleAsync(h => h.Id == AuditChainHeadRow.SingletonId, ct);
        if (head.Sequence != count || !head.Hash.AsSpan().SequenceEqual(previousHash))
        {
            return Broken(count, previousHash, new ChainBreak(Math.Max(head.Sequence, count), "head_mismatch",
                $"the head says record {head.Sequence} with hash {AuditChain.Hex(head.Hash)}; the records end at {count} with {AuditChain.Hex(previousHash)}"));
        }
        return new VerifyReport(true, count, count, AuditChain.Hex(previousHash), null);
    }

    private static VerifyReport Broken(long count, byte[] lastGoodHash, ChainBreak firstBreak) =>
        new(false, count, count, AuditChain.Hex(lastGoodHash), firstBreak);
}
