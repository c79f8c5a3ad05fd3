using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>
/// The event log's tamper evidence: each event's hash covers the previous hash, its sequence, id, type and exact
/// payload bytes, so changing, removing or reordering any stored event breaks every hash after it.
/// hash(n) = SHA-256(hash(n−1) ‖ sequence (int64 big-endian) ‖ event id (16 bytes, RFC 4122 order) ‖ type (UTF-8) ‖ 0x00 ‖ payload).
/// </summary>
public static class HashChain
{
    public const int HashSize = 32;

    /// <summary>The hash before the first event.</summary>
    public static byte[] Genesis => new byte[HashSize];

    public static byte[] Next(ReadOnlySpan<byte> previous, long sequence, Guid eventId, string type, ReadOnlySpan<byte> payload)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> fixedPart = stackalloc byte[HashSize + 8 + 16];
        previous.CopyTo(fixedPart);
        BinaryPrimitives.WriteInt64BigEndian(fixedPart[HashSize..], sequence);
        eventId.TryWriteBytes(fixedPart[(HashSize + 8)..], bigEndian: true, out _);
        sha.AppendData(fixedPart);
        sha.AppendData(Encoding.UTF8.GetBytes(type));
        sha.AppendData([0]);
        sha.AppendData(payload);
        return sha.GetHashAndReset();
    }
}
