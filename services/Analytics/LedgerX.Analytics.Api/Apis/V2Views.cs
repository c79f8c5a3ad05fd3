using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Analytics.Api.Apis;

// v2's shapes: v1's, with every amount and its currency as one Money object. Days, months and counts are unchanged.

/// <summary>An integer number of minor units and its ISO 4217 currency, always together.</summary>
public sealed record Money(long Amount, string Currency);

public sealed record BalancePointV2(long Sequence, DateTimeOffset OccurredAt, Money Balance, string EntryKind);

public sealed record SpendingLineV2(string Month, string Category, Money Amount, long Entries);

public sealed record SpendingReportV2(Guid AccountId, string FromMonth, string ToMonth, IReadOnlyList<SpendingLineV2> Items);

public sealed record CounterpartyV2(Guid CounterpartyId, Money Sent, Money Received, long Entries);

public sealed record CounterpartiesReportV2(Guid AccountId, IReadOnlyList<CounterpartyV2> Items);

public sealed record DailyVolumeV2(DateOnly Day, string Kind, long Entries, Money Amount);

/// <summary>v1 answers mapped to v2: the handlers (and the cache) compute v1's, so both versions always agree.</summary>
public static class V2Views
{
    /// <summary>A handler's result with its 200 body mapped; its problems pass unchanged.</summary>
    public static Results<Ok<TV2>, ValidationProblem, ProblemHttpResult> Map<TV1, TV2>(
        Results<Ok<TV1>, ValidationProblem, ProblemHttpResult> v1, Func<TV1, TV2> map)
    {
        ArgumentNullException.ThrowIfNull(v1);
        ArgumentNullException.ThrowIfNull(map);
        return v1.Result switch
        {
            Ok<TV1> ok => TypedResults.Ok(map(ok.Value!)),
            ValidationProblem invalid => invalid,
            ProblemHttpResult problem => problem,
            _ => throw new InvalidOperationException($"Unexpected result {v1.Result.GetType().Name}."),
        };
    }

    public static Page<BalancePointV2> Page(Page<BalancePoint> page) =>
        new([.. page.Items.Select(p => new BalancePointV2(p.Sequence, p.OccurredAt, new Money(p.BalanceMinor, p.Currency), p.EntryKind))], page.NextCursor);

    public static SpendingReportV2 Report(SpendingReport r) =>
        new(r.AccountId, r.FromMonth, r.ToMonth, [.. r.Items.Select(l => new SpendingLineV2(l.Month, l.Category, new Money(l.AmountMinor, l.Currency), l.Entries))]);

    public static CounterpartiesReportV2 Report(CounterpartiesReport r) =>
        new(r.AccountId, [.. r.Items.Select(c => new CounterpartyV2(c.CounterpartyId, new Money(c.SentMinor, c.Currency), new Money(c.ReceivedMinor, c.Currency), c.Entries))]);

    public static DailyReport<DailyVolumeV2> Report(DailyReport<DailyVolume> r) =>
        new(r.From, r.To, [.. r.Items.Select(v => new DailyVolumeV2(v.Day, v.Kind, v.Entries, new Money(v.AmountMinor, v.Currency)))]);
}
