using System.Text.Json;
using LedgerX.Transactions.Api.Access;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Builds response bodies, from the writer's state (for writes) or from stored rows (for reads); both give
/// the same shape for the same resource. Bodies are built in v1's shape and written in the request's version
/// (<see cref="Representation"/>); a balance on an account the caller does not own is left out.</summary>
internal static class Responses
{
    public static AccountResponse ToResponse(this Account a) => new(a.Id.Value, a.OwnerId, a.Currency.Code, Lower(a.Kind), Lower(a.Status),
        a.OverdraftLimit, a.Balance, a.Held, a.Available, a.Metadata, a.OpenedAt, a.Version);

    public static AccountResponse ToResponse(this AccountRow a) => new(a.Id, a.OwnerId, a.Currency, a.Kind, a.Status, a.OverdraftLimit,
        a.Balance, a.Held, a.Balance - a.Held, Metadata(a.Metadata), a.OpenedAt, a.Version);

    /// <param name="sees">Whether the caller may see the balance of an account (their own, or any with accounts:any).</param>
    public static EntryResponse ToResponse(this TransactionPosted e, Func<Guid, bool> sees) => new(e.EntryId, e.Sequence, e.Kind, e.Description,
        e.Category, e.Metadata,
        e.Postings.Select(p => new PostingResponse(p.AccountId, p.Direction, p.Amount, p.Currency, sees(p.AccountId) ? p.BalanceAfter : null)).ToList(),
        e.ReversesEntryId, e.HoldId, e.OccurredAt);

    public static EntryResponse ToResponse(this JournalEntryRow e, Func<Guid, bool> sees) => new(e.Id, e.Sequence, e.Kind, e.Description, e.Category,
        Metadata(e.Metadata),
        e.Postings.OrderBy(p => p.Line)
            .Select(p => new PostingResponse(p.AccountId, p.Direction, p.Amount, p.Currency, sees(p.AccountId) ? p.BalanceAfter : null)).ToList(),
        e.ReversesEntryId, e.HoldId, e.PostedAt);

    public static HoldResponse ToResponse(this Hold h) => new(h.Id.Value, h.AccountId.Value, h.ToAccountId.Value, h.Amount.Amount, h.Amount.Currency.Code,
        Lower(h.Status), h.PostedAmount, h.EntryId?.Value, h.Description, h.CreatedAt, h.ExpiresAt, h.ClosedAt, h.ReversalId?.Value);

    public static HoldResponse ToResponse(this HoldRow h) => new(h.Id, h.AccountId, h.ToAccountId, h.Amount, h.Currency, h.Status, h.PostedAmount,
        h.EntryId, h.Description, h.CreatedAt, h.ExpiresAt, h.ClosedAt, h.ReversalId);

    /// <param name="caller">Who asks: the approver's id is shown to staff only. Null for the service's own use (the saga's input).</param>
    public static ReversalResponse ToResponse(this ReversalRow r, LedgerCaller? caller) => new(r.Id, r.EntryId, r.AccountId, r.CounterpartyAccountId,
        r.Amount, r.Currency, r.Reason, r.RequiresApproval, r.Status,
        (JsonSerializer.Deserialize<Dictionary<string, ReversalStepResponse>>(r.Steps, ApiJson.Options) ?? []).Values.OrderBy(s => s.StartedAt).ToList(),
        r.FailureReason, JsonSerializer.Deserialize<List<string>>(r.Compensations, ApiJson.Options) ?? [], r.ReversalEntryId, r.RequestedAt, r.UpdatedAt,
        caller is null || caller.ActsForAnyone ? r.DecidedBy : null);

    // Renderers run inside the writer's transaction, on its locked state; see ResponseRenderer. What they render is what
    // an Idempotency-Key replays, to the same caller (keys are scoped to the caller) on the same version (the path is hashed).

    public static ResponseRenderer PostedEntry(LedgerCaller caller, ApiVersion version) => (state, events) =>
    {
        var entry = events.OfType<TransactionPosted>().Last().ToResponse(id => caller.Owns(state.FindAccount(new AccountId(id))));
        return Created(version, version.Of(entry), $"/entries/{entry.Id}");
    };

    public static ResponseRenderer OpenedAccount(ApiVersion version) => (state, events) =>
    {
        var account = state.FindAccount(new AccountId(events.OfType<AccountOpened>().Single().AccountId))!.ToResponse();
        return Created(version, version.Of(account), $"/accounts/{account.Id}");
    };

    public static ResponseRenderer AccountNow(AccountId id, ApiVersion version) => (state, _) => Ok(version.Of(state.FindAccount(id)!.ToResponse()));

    public static ResponseRenderer CreatedHold(ApiVersion version) => (state, events) =>
    {
        var hold = state.FindHold(new HoldId(events.OfType<HoldCreated>().Single().HoldId))!.ToResponse();
        return Created(version, version.Of(hold), $"/holds/{hold.Id}");
    };

    public static ResponseRenderer HoldNow(HoldId id, ApiVersion version) => (state, _) => Ok(version.Of(state.FindHold(id)!.ToResponse()));

    /// <summary>202: the reversal is recorded and its saga runs from here; Location is where to follow it.</summary>
    public static ResponseRenderer AcceptedReversal(ApiVersion version) => (_, events) =>
    {
        var r = events.OfType<ReversalRequested>().Single();
        var body = new ReversalResponse(r.ReversalId, r.EntryId, r.AccountId, r.CounterpartyAccountId, r.Amount, r.Currency, r.Reason, r.RequiresApproval,
            ReversalStatus.Pending, [], null, [], null, r.OccurredAt, r.OccurredAt);
        return new(StatusCodes.Status202Accepted, Serialize(version.Of(body)), $"{version.Prefix}/reversals/{r.ReversalId}");
    };

    public static byte[] Serialize(object body) => JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), ApiJson.Options);

    private static StoredResponse Created(ApiVersion version, object body, string location) =>
        new(StatusCodes.Status201Created, Serialize(body), version.Prefix + location);

    private static StoredResponse Ok(object body) => new(StatusCodes.Status200OK, Serialize(body));

    public static IReadOnlyDictionary<string, string> Metadata(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json, ApiJson.Options) ?? [];

    private static string Lower<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
