using LedgerX.Analytics.Api.Events;

namespace LedgerX.Analytics.Api.Projections;

/// <summary>
/// The read models' arithmetic, pure: an event in, the changes it makes out. No database and no clock, so the
/// live consumers and the rebuild share it and the unit tests pin it down.
/// </summary>
public static class Projector
{
    /// <summary>The category of spending that carried none.</summary>
    public const string Uncategorized = "uncategorized";

    /// <summary>The entry kind of a reversal (and of a compensation, which reverses a reversal). Giving money back is
    /// not spending, so its debits are not spending; instead it adjusts the spending of the entry it reverses, in that
    /// entry's month and category (<see cref="ReversalAdjustment"/>), so a reversed transfer stops counting.</summary>
    public const string ReversalKind = "reversal";

    /// <param name="type">The event's type (its topic), which tells hold and reversal events apart.</param>
    public static ProjectionChanges Project(string type, ConsumedEvent e) => e switch
    {
        TransactionPosted posted => Posted(posted),
        HoldChanged hold => new ProjectionChanges
        {
            DailyActivity = [new DailyActivityIncrement(DayOf(hold.OccurredAt), type)],
            AccountsTouched = [hold.AccountId],
        },
        ReversalChanged reversal => new ProjectionChanges { DailyActivity = [new DailyActivityIncrement(DayOf(reversal.OccurredAt), type)] },
        AccountOpened opened => new ProjectionChanges
        {
            Owners = [new AccountOwnerFact(opened.AccountId, opened.OwnerId)],
            AccountsTouched = [opened.AccountId],
        },
        FraudFlagged flagged => new ProjectionChanges
        {
            Alerts = [new AlertIncrement(flagged.AccountId, DayOf(flagged.OccurredAt), flagged.Score)],
            AccountsTouched = [flagged.AccountId],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "Not an event the projections know."),
    };

    public static ProjectionChanges Posted(TransactionPosted e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Postings.Count < 2)
        {
            throw new ArgumentException("A journal entry has at least two postings.", nameof(e));
        }
        foreach (var p in e.Postings)
        {
            if (p.Amount <= 0 || p.Direction is not (PostingLine.Debit or PostingLine.Credit))
            {
                throw new ArgumentException($"Posting on {p.AccountId} is not a positive debit or credit.", nameof(e));
            }
        }

        var day = DayOf(e.OccurredAt);
        var month = MonthOf(e.OccurredAt);
        var category = string.IsNullOrWhiteSpace(e.Category) ? Uncategorized : e.Category.Trim().ToLowerInvariant();

        return new ProjectionChanges
        {
            BalancePoints = [.. e.Postings.Select(p => new BalancePointFact(p.AccountId, e.Sequence, e.OccurredAt, p.Currency, p.BalanceAfter, e.Kind))],
            Spending = [.. e.Postings.Where(p => p.Direction == PostingLine.Debit && e.Kind != ReversalKind)
                .GroupBy(p => (p.AccountId, p.Currency))
                .Select(g => new SpendingIncrement(e.EntryId, g.Key.AccountId, month, category, g.Key.Currency, checked(g.Sum(p => p.Amount))))],
            ReversalAdjustments = e is { Kind: ReversalKind, ReversesEntryId: { } reversed }
                ? [.. e.Postings.GroupBy(p => (p.AccountId, p.Currency))
                    .Select(g => new ReversalAdjustment(e.EntryId, reversed, g.Key.AccountId, g.Key.Currency,
                        checked(g.Sum(p => p.Direction == PostingLine.Credit ? p.Amount : -p.Amount))))
                    .Where(a => a.NetMinor != 0)]
                : [],
            Counterparties = Counterparties(e.Postings),
            DailyVolumes = [.. e.Postings.Where(p => p.Direction == PostingLine.Debit)
                .GroupBy(p => p.Currency)
                .Select(g => new DailyVolumeIncrement(day, g.Key, e.Kind, checked(g.Sum(p => p.Amount))))],
            AccountsTouched = [.. e.Postings.Select(p => p.AccountId).Distinct()],
        };
    }

    /// <summary>Only an entry with exactly one debit and one credit, in one currency, between two accounts names a
    /// counterparty unambiguously. A multi-leg entry is left out rather than split by a guess.</summary>
    public static IReadOnlyList<CounterpartyIncrement> Counterparties(IReadOnlyList<PostingLine> postings)
    {
        ArgumentNullException.ThrowIfNull(postings);
        if (postings.Count != 2)
        {
            return [];
        }
        var debit = postings.SingleOrDefault(p => p.Direction == PostingLine.Debit);
        var credit = postings.SingleOrDefault(p => p.Direction == PostingLine.Credit);
        if (debit is null || credit is null || debit.Currency != credit.Currency || debit.AccountId == credit.AccountId || debit.Amount != credit.Amount)
        {
            return [];
        }
        return
        [
            new CounterpartyIncrement(debit.AccountId, credit.AccountId, debit.Currency, SentMinor: debit.Amount, ReceivedMinor: 0),
            new CounterpartyIncrement(credit.AccountId, debit.AccountId, credit.Currency, SentMinor: 0, ReceivedMinor: credit.Amount),
        ];
    }

    /// <summary>Days and months are UTC calendar days and months, whatever offset the publisher wrote.</summary>
    public static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    public static DateOnly MonthOf(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateOnly(utc.Year, utc.Month, 1);
    }
}
