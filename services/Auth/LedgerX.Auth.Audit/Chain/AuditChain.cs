using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LedgerX.Auth.Audit.Persistence;

namespace LedgerX.Auth.Audit.Chain;

/// <summary>
/// The audit log's tamper evidence, on the ledger's pattern (ADR 0006): each record's hash covers the previous hash and
/// a canonical encoding of the record, so changing, removing, inserting or reordering any record breaks every hash
/// after it. Unlike the ledger, the record is stored as columns rather than as exact payload bytes, so the hash is taken
/// over this encoding of the columns (docs/api/audit.md):
/// <code>
/// hash(n) = SHA-256( hash(n−1) ‖ sequence (int64 BE) ‖ event id (16 bytes, RFC 4122 order)
///                    ‖ occurred_at ‖ recorded_at (each int64 BE microseconds since the Unix epoch)
///                    ‖ str(source) ‖ str(actor_type) ‖ str(actor_id) ‖ str(action) ‖ str(subject_type) ‖ str(subject_id)
///                    ‖ str(outcome) ‖ str(trace_id)
///                    ‖ details: int32 BE entry count (−1 when absent), then per entry in ordinal key order str(key) ‖ str(value) )
/// str(s) = int32 BE UTF-8 byte length (−1 for null) ‖ the UTF-8 bytes;   hash(0) = 32 zero bytes
/// </code>
/// Length prefixes make the encoding unambiguous (no two different records encode alike).
/// </summary>
public static class AuditChain
{
    public const int HashSize = 32;

    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>The hash before the first record.</summary>
    public static byte[] Genesis => new byte[HashSize];

    public static byte[] Next(ReadOnlySpan<byte> previous, AuditRecordRow r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (previous.Length != HashSize)
        {
            throw new ArgumentException($"A previous hash is {HashSize} bytes.", nameof(previous));
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> fixedPart = stackalloc byte[HashSize + 8 + 16 + 8 + 8];
        previous.CopyTo(fixedPart);
        BinaryPrimitives.WriteInt64BigEndian(fixedPart[HashSize..], r.Sequence);
        r.EventId.TryWriteBytes(fixedPart[(HashSize + 8)..], bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(fixedPart[(HashSize + 24)..], Microseconds(r.OccurredAt));
        BinaryPrimitives.WriteInt64BigEndian(fixedPart[(HashSize + 32)..], Microseconds(r.RecordedAt));
        sha.AppendData(fixedPart);
        foreach (var text in (ReadOnlySpan<string?>)[r.Source, r.ActorType, r.ActorId, r.Action, r.SubjectType, r.SubjectId, r.Outcome, r.TraceId])
        {
            AppendString(sha, text);
        }
        var details = ParseDetails(r.Details);
        AppendInt32(sha, details?.Count ?? -1);
        foreach (var (key, value) in details ?? [])
        {
            AppendString(sha, key);
            AppendString(sha, value);
        }
        return sha.GetHashAndReset();
    }

    /// <summary>PostgreSQL keeps microseconds: a value is truncated to them before it is stored and hashed.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>Details as stored: a JSON object with keys in ordinal order (jsonb reorders them; the hash sorts again).</summary>
    public static string? SerializeDetails(IReadOnlyDictionary<string, string>? details) =>
        details is null ? null : JsonSerializer.Serialize(new SortedDictionary<string, string>(details.ToDictionary(), StringComparer.Ordinal));

    public static SortedDictionary<string, string>? ParseDetails(string? json) =>
        json is null ? null : new SortedDictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(json)!, StringComparer.Ordinal);

    public static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    private static long Microseconds(DateTimeOffset value) => (value.UtcTicks - UnixEpochTicks) / 10;

    private static void AppendInt32(IncrementalHash sha, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        sha.AppendData(bytes);
    }

    private static void AppendString(IncrementalHash sha, string? value)
    {
        if (value is null)
        {
            AppendInt32(sha, -1);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        AppendInt32(sha, bytes.Length);
        sha.AppendData(bytes);
    }
}
