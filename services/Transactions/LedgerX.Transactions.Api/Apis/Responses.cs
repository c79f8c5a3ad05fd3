using System.Text.Json;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Builds response bodies, from the writer's state (for writes) or from stored rows (for reads); both give
/// the same shape for the same resource.</summary>
internal static class Responses
{
    public static AccountResponse ToResponse(this Account a) => new(a.Id.Value, a.OwnerId, a.Currency.Code, Lower(a.Kind), Lower(a.Status),
        a.OverdraftLimit, a.Balance, a.Held, a.Available, a.Metadata, a.OpenedAt, a.Version);

    public static AccountResponse ToResponse(this AccountRow a) => new(a.Id, a.OwnerId, a.Currency, a.Kind, a.Status, a.OverdraftLimit,
        a.Balance, a.Held, a.Balance - a.Held, Metadata(a.Metadata), a.OpenedAt, a.Version);

    public static EntryResponse ToResponse(this TransactionPosted e) => new(e.EntryId, e.Sequence, e.Kind, e.Description, e.Category, e.Metadata,
        e.Postings.Select(p => new PostingResponse(p.AccountId, p.Direction, p.Amount, p.Currency, p.BalanceAfter)).ToList(),
        e.ReversesEntryId, e.HoldId, e.OccurredAt);

    public static EntryResponse ToResponse(this JournalEntryRow e) => new(e.Id, e.Sequence, e.Kind, e.Description, e.Category, Metadata(e.Metadata),
        e.Postings.OrderBy(p => p.Line).Select(p => new PostingResponse(p.AccountId, p.Direction, p.Amount, p.Currency, p.BalanceAfter)).ToList(),
        e.ReversesEntryId, e.HoldId, e.PostedAt);

    public static HoldResponse ToResponse(this Hold h) => new(h.Id.Value, h.AccountId.Value, h.ToAccountId.Value, h.Amount.Amount, h.Amount.Currency.Code,
        Lower(h.Status), h.PostedAmount, h.EntryId?.Value, h.Description, h.CreatedAt, h.ExpiresAt, h.ClosedAt, h.ReversalId?.Value);

    public static HoldResponse ToResponse(this HoldRow h) => new(h.Id, h.AccountId, h.ToAccountId, h.Amount, h.Currency, h.Status, h.PostedAmount,
        h.EntryId, h.Description, h.CreatedAt, h.ExpiresAt, h.ClosedAt, h.ReversalId);

    // Renderers run inside the writer's transaction; see ResponseRenderer.

    public static readonly ResponseRenderer PostedEntry = (_, events) =>
        Created(events.OfType<TransactionPosted>().Last().ToResponse(), e => $"/api/v1/entries/{e.Id}");

    public static readonly ResponseRenderer OpenedAccount = (state, events) =>
        Created(state.FindAccount(new AccountId(events.OfType<AccountOpened>().Single().AccountId))!.ToResponse(), a => $"/api/v1/accounts/{a.Id}");

    public static ResponseRenderer AccountNow(AccountId id) => (state, _) => Ok(state.FindAccount(id)!.ToResponse());

    public static readonly ResponseRenderer CreatedHold = (state, events) =>
        Created(state.FindHold(new HoldId(events.OfType<HoldCreated>().Single().HoldId))!.ToResponse(), h => $"/api/v1/holds/{h.Id}");

    public static ResponseRenderer HoldNow(HoldId id) => (state, _) => Ok(state.FindHold(id)!.ToResponse());

    public static ReversalResponse ToResponse(this ReversalRow r) => new(r.Id, r.EntryId, r.AccountId, r.CounterpartyAccountId, r.Amount, r.Currency,
        r.Reason, r.RequiresApproval, r.Status,
        (JsonSerializer.Deserialize<Dictionary<string, ReversalStepResponse>>(r.Steps, ApiJson.Options) ?? []).Values.OrderBy(s => s.StartedAt).ToList(),
        r.FailureReason, JsonSerializer.Deserialize<List<string>>(r.Compensations, ApiJson.Options) ?? [], r.ReversalEntryId, r.RequestedAt, r.UpdatedAt);

    /// <summary>202: the reversal is recorded and its saga runs from here; Location is where to follow it.</summary>
    public static readonly ResponseRenderer AcceptedReversal = (_, events) =>
    {
        var r = events.OfType<ReversalRequested>().Single();
        var body = new ReversalResponse(r.ReversalId, r.EntryId, r.AccountId, r.CounterpartyAccountId, r.Amount, r.Currency, r.Reason, r.RequiresApproval,
            ReversalStatus.Pending, [], null, [], null, r.OccurredAt, r.OccurredAt);
        return new(StatusCodes.Status202Accepted, JsonSerializer.SerializeToUtf8Bytes(body, ApiJson.Options), $"/api/v1/reversals/{r.ReversalId}");
    };

    private static StoredResponse Created<T>(T body, Func<T, string> location) =>
        new(StatusCodes.Status201Created, JsonSerializer.SerializeToUtf8Bytes(body, ApiJson.Options), location(body));

    private static StoredResponse Ok<T>(T body) => new(StatusCodes.Status200OK, JsonSerializer.SerializeToUtf8Bytes(body, ApiJson.Options));

    private static IReadOnlyDictionary<string, string> Metadata(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json, ApiJson.Options) ?? [];

    private static string Lower<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
