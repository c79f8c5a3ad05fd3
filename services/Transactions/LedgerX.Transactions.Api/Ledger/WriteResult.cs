using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>An HTTP response kept as bytes, so a retried request gets exactly the first answer (Location included).</summary>
public sealed record StoredResponse(int StatusCode, byte[] Body, string? Location = null);

/// <summary>An Idempotency-Key in its caller's scope, and the hash of the request it was first used with.</summary>
public sealed record IdempotencyRequest(IdempotencyKey Key, byte[] RequestHash);

/// <summary>Builds the response of an applied command from the state and the events it produced. It runs inside the
/// writer's transaction, because the response is stored with the Idempotency-Key in that same transaction.</summary>
public delegate StoredResponse ResponseRenderer(LedgerState state, IReadOnlyList<LedgerEvent> events);

public abstract record WriteResult
{
    private WriteResult() { }

    /// <summary>The command was applied (or, when <see cref="Replayed"/>, had been applied before under the same key).</summary>
    public sealed record Applied(StoredResponse Response, bool Replayed) : WriteResult;

    /// <summary>The ledger refused the command; nothing was written.</summary>
    public sealed record Refused(LedgerError Error) : WriteResult;
}
