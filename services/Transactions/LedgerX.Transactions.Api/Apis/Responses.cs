using System.Text.Json;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
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
        Lower(h.Status), h.PostedAmount, h.EntryId?.Value, h.Description, h.CreatedAt, h.ExpiresAt, h.ClosedAt);

    public static HoldResponse ToResponse(this HoldRow h) => new(h.Id, h.AccountId, h.ToAccountId, h.Amount, h.Currency, h.Status, h.PostedAmount,
        h.EntryId, h.Description, h.CreatedAt, h.ExpiresAt, h.ClosedAt);

    // Renderers run inside the writer's transaction; see ResponseRenderer.

    public static readonly ResponseRenderer PostedEntry = (_, events) =>
        Stored(StatusCodes.Status201Created, events.OfType<TransactionPosted>().Last().ToResponse());

    public static readonly ResponseRenderer OpenedAccount = (state, events) =>
        Stored(StatusCodes.Status201Created, state.FindAccount(new AccountId(events.OfType<AccountOpened>().Single().AccountId))!.ToResponse());

    public static ResponseRenderer AccountNow(AccountId id) => (state, _) => Stored(StatusCodes.Status200OK, state.FindAccount(id)!.ToResponse());

    public static readonly ResponseRenderer CreatedHold = (state, events) =>
        Stored(StatusCodes.Status201Created, state.FindHold(new HoldId(events.OfType<HoldCreated>().Single().HoldId))!.ToResponse());

    public static ResponseRenderer HoldNow(HoldId id) => (state, _) => Stored(StatusCodes.Status200OK, state.FindHold(id)!.ToResponse());

    private static StoredResponse Stored<T>(int status, T body) => new(status, JsonSerializer.SerializeToUtf8Bytes(body, ApiJson.Options));

    private static IReadOnlyDictionary<string, string> Metadata(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json, ApiJson.Options) ?? [];

    private static string Lower<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
