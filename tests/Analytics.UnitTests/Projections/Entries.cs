using LedgerX.Analytics.Api.Events;

namespace LedgerX.Analytics.UnitTests.Projections;

/// <summary>Builds transaction.posted.v1 events the way the ledger writes them.</summary>
internal static class Entries
{
    public static readonly Guid Alice = Guid.Parse("0190f000-0000-7000-8000-00000000000a");
    public static readonly Guid Bob = Guid.Parse("0190f000-0000-7000-8000-00000000000b");
    public static readonly Guid Carol = Guid.Parse("0190f000-0000-7000-8000-00000000000c");
    public static readonly Guid World = Guid.Parse("0190f000-0000-7000-8000-0000000000ff");

    public static TransactionPosted Transfer(Guid from, Guid to, long amount, string at, string? category = null, long sequence = 10,
        long fromBalanceAfter = 0, long toBalanceAfter = 0, string currency = "EUR") => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture),
        Sequence = sequence,
        EntryId = Guid.CreateVersion7(),
        Kind = "transfer",
        Category = category,
        Postings =
        [
            new PostingLine(from, PostingLine.Debit, amount, currency, fromBalanceAfter),
            new PostingLine(to, PostingLine.Credit, amount, currency, toBalanceAfter),
        ],
    };

    public static TransactionPosted Entry(string kind, string at, params PostingLine[] postings) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture),
        Sequence = 20,
        EntryId = Guid.CreateVersion7(),
        Kind = kind,
        Postings = postings,
    };
}
