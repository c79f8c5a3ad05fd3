using LedgerX.Analytics.Api.Access;
using LedgerX.Analytics.Api.Caching;
using LedgerX.Analytics.Api.Persistence;
using LedgerX.ServiceDefaults.Apis;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Analytics.Api.Apis;

/// <summary>One account's read models: balance over time, spending by category and month, top counterparties, alerts.
/// analytics:read, and the account must be the caller's own unless they hold accounts:any (<see cref="AccountAccess"/>).</summary>
public static class AccountAnalyticsApi
{
    public const int MaxBalancePage = 500;
    public const int MaxCounterparties = 100;
    public const int MaxSpendingMonths = 36;
    public const int MaxAlertDays = 366;

    public static IEndpointRouteBuilder MapAccountAnalyticsApi(this IEndpointRouteBuilder app)
    {
        var v1 = ApiVersion.V1.Group(app, "/accounts/{accountId}", "Accounts").RequirePermission(Permissions.AnalyticsRead)
            .ProducesProblem(StatusCodes.Status404NotFound);
        v1.MapGet("/balance-history", BalanceHistory).WithName("GetBalanceHistory").WithSummary(BalanceHistorySummary);
        v1.MapGet("/spending", Spending).WithName("GetSpending").WithSummary(SpendingSummary);
        v1.MapGet("/counterparties", Counterparties).WithName("GetTopCounterparties").WithSummary(CounterpartiesSummary);
        v1.MapGet("/alerts", Alerts).WithName("GetAccountAlerts").WithSummary(AlertsSummary);

        // v2: the same handlers, their answers mapped to money objects (alerts carry no money and keep their shape).
        var v2 = ApiVersion.V2.Group(app, "/accounts/{accountId}", "Accounts").RequirePermission(Permissions.AnalyticsRead)
            .ProducesProblem(StatusCodes.Status404NotFound);
        v2.MapGet("/balance-history", async (string accountId, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? after,
                [FromQuery] string? limit, [AsParameters] QueryServices s) => V2Views.Map(await BalanceHistory(accountId, from, to, after, limit, s), V2Views.Page))
            .WithName("GetBalanceHistoryV2").WithSummary(BalanceHistorySummary);
        v2.MapGet("/spending", async (string accountId, [FromQuery] string? fromMonth, [FromQuery] string? toMonth, [AsParameters] QueryServices s) =>
                V2Views.Map(await Spending(accountId, fromMonth, toMonth, s), V2Views.Report))
            .WithName("GetSpendingV2").WithSummary(SpendingSummary);
        v2.MapGet("/counterparties", async (string accountId, [FromQuery] string? limit, [AsParameters] QueryServices s) =>
                V2Views.Map(await Counterparties(accountId, limit, s), V2Views.Report))
            .WithName("GetTopCounterpartiesV2").WithSummary(CounterpartiesSummary);
        v2.MapGet("/alerts", Alerts).WithName("GetAccountAlertsV2").WithSummary(AlertsSummary);
        return app;
    }

    private const string BalanceHistorySummary = "The account's balance after each entry that touched it, oldest first, paged by ledger sequence";
    private const string SpendingSummary = "Money that left the account, by UTC month, category and currency";
    private const string CounterpartiesSummary = "The accounts this one exchanged most money with (two-sided entries only), largest first";
    private const string AlertsSummary = "Fraud alerts raised on the account, per UTC day";

    public static async Task<Results<Ok<Page<BalancePoint>>, ValidationProblem, ProblemHttpResult>> BalanceHistory(
        string accountId, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? after, [FromQuery] string? limit,
        [AsParameters] QueryServices s)
    {
        var input = new QueryInput();
        var id = input.AccountId(accountId);
        var fromDay = input.Day(from, "from");
        var toDay = input.Day(to, "to");
        var cursor = input.Cursor(after);
        var size = input.Limit(limit, 100, MaxBalancePage);
        if (fromDay > toDay)
        {
            input.Fail("from", "'from' is on or before 'to'.");
        }
        if (!input.IsValid)
        {
            return input.Problem();
        }
        if (!await s.Db.MayReadAsync(s.Http.User, id, s.Ct))
        {
            return AccountAccess.NotFound(id);
        }

        var answer = await s.Cache.GetOrComputeAsync(QueryCache.AccountScope(id), $"balance:{fromDay}:{toDay}:{cursor}:{size}", async ct =>
        {
            var query = s.Db.BalancePoints.AsNoTracking().Where(p => p.AccountId == id && p.Sequence > cursor);
            if (fromDay is { } f)
            {
                var start = new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                query = query.Where(p => p.OccurredAt >= start);
            }
            if (toDay is { } t)
            {
                var end = new DateTimeOffset(t.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                query = query.Where(p => p.OccurredAt < end);
            }
            var rows = await query.OrderBy(p => p.Sequence).Take(size + 1).ToListAsync(ct);
            var items = rows.Take(size).Select(p => new BalancePoint(p.Sequence, p.OccurredAt, p.Currency, p.BalanceAfterMinor, p.EntryKind)).ToList();
            return new Page<BalancePoint>(items, rows.Count > size ? items[^1].Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        }, s.Ct);
        return CachedAnswer.Ok(s.Http, answer);
    }

    public static async Task<Results<Ok<SpendingReport>, ValidationProblem, ProblemHttpResult>> Spending(
        string accountId, [FromQuery] string? fromMonth, [FromQuery] string? toMonth, [AsParameters] QueryServices s)
    {
        var input = new QueryInput();
        var id = input.AccountId(accountId);
        var thisMonth = new DateOnly(s.Today.Year, s.Today.Month, 1);
        var end = input.Month(toMonth, "toMonth") ?? thisMonth;
        var start = input.Month(fromMonth, "fromMonth") ?? end.AddMonths(-11);
        if (input.IsValid && start > end)
        {
            input.Fail("fromMonth", "'fromMonth' is on or before 'toMonth'.");
        }
        else if (input.IsValid && (end.Year - start.Year) * 12 + end.Month - start.Month + 1 > MaxSpendingMonths)
        {
            input.Fail("toMonth", $"A range covers at most {MaxSpendingMonths} months.");
        }
        if (!input.IsValid)
        {
            return input.Problem();
        }
        if (!await s.Db.MayReadAsync(s.Http.User, id, s.Ct))
        {
            return AccountAccess.NotFound(id);
        }

        var answer = await s.Cache.GetOrComputeAsync(QueryCache.AccountScope(id), $"spending:{start:yyyy-MM}:{end:yyyy-MM}", async ct =>
        {
            // Each entry's spending, less what its reversals gave back net of their compensations (a compensation is a
            // reversal of a reversal, so it is found one step further). A fully reversed entry no longer counts.
            var rows = await s.Db.Database.SqlQuery<SpendingLineRow>(
                $"""
                SELECT month, category, currency, sum(greatest(amount_minor - refunded, 0))::bigint AS amount_minor,
                    coalesce(sum(entries) FILTER (WHERE amount_minor > refunded), 0)::bigint AS entries
                FROM (
                    SELECT s.month, s.category, s.currency, s.amount_minor, s.entries,
                        coalesce((SELECT sum(a.net_minor) FROM reversal_adjustments a
                                  WHERE a.account_id = s.account_id AND a.currency = s.currency
                                    AND (a.reverses_entry_id = s.entry_id
                                         OR a.reverses_entry_id IN (SELECT r.entry_id FROM reversal_adjustments r WHERE r.reverses_entry_id = s.entry_id))),
                                 0) AS refunded
                    FROM spending_entries s
                    WHERE s.account_id = {id} AND s.month >= {start} AND s.month <= {end}) per_entry
                GROUP BY month, category, currency
                HAVING sum(greatest(amount_minor - refunded, 0)) > 0
                ORDER BY month, amount_minor DESC, category, currency
                """).ToListAsync(ct);
            return new SpendingReport(id, $"{start:yyyy-MM}", $"{end:yyyy-MM}",
                [.. rows.Select(r => new SpendingLine($"{r.Month:yyyy-MM}", r.Category, r.Currency, r.AmountMinor, r.Entries))]);
        }, s.Ct);
        return CachedAnswer.Ok(s.Http, answer);
    }

    public static async Task<Results<Ok<CounterpartiesReport>, ValidationProblem, ProblemHttpResult>> Counterparties(
        string accountId, [FromQuery] string? limit, [AsParameters] QueryServices s)
    {
        var input = new QueryInput();
        var id = input.AccountId(accountId);
        var size = input.Limit(limit, 10, MaxCounterparties);
        if (!input.IsValid)
        {
            return input.Problem();
        }
        if (!await s.Db.MayReadAsync(s.Http.User, id, s.Ct))
        {
            return AccountAccess.NotFound(id);
        }

        var answer = await s.Cache.GetOrComputeAsync(QueryCache.AccountScope(id), $"counterparties:{size}", async ct =>
        {
            var rows = await s.Db.Counterparties.AsNoTracking().Where(c => c.AccountId == id)
                .OrderByDescending(c => c.SentMinor + c.ReceivedMinor).ThenBy(c => c.CounterpartyId).ThenBy(c => c.Currency)
                .Take(size).ToListAsync(ct);
            return new CounterpartiesReport(id, [.. rows.Select(c => new Counterparty(c.CounterpartyId, c.Currency, c.SentMinor, c.ReceivedMinor, c.Entries))]);
        }, s.Ct);
        return CachedAnswer.Ok(s.Http, answer);
    }

    public static async Task<Results<Ok<AccountAlertsReport>, ValidationProblem, ProblemHttpResult>> Alerts(
        string accountId, [FromQuery] string? from, [FromQuery] string? to, [AsParameters] QueryServices s)
    {
        var input = new QueryInput();
        var id = input.AccountId(accountId);
        var (start, end) = input.DayRange(from, to, s.Today, 30, MaxAlertDays);
        if (!input.IsValid)
        {
            return input.Problem();
        }
        if (!await s.Db.MayReadAsync(s.Http.User, id, s.Ct))
        {
            return AccountAccess.NotFound(id);
        }

        var answer = await s.Cache.GetOrComputeAsync(QueryCache.AccountScope(id), $"alerts:{start:yyyy-MM-dd}:{end:yyyy-MM-dd}", async ct =>
        {
            var rows = await s.Db.AlertCounts.AsNoTracking().Where(a => a.AccountId == id && a.Day >= start && a.Day <= end)
                .OrderBy(a => a.Day).ToListAsync(ct);
            return new AccountAlertsReport(id, rows.Sum(r => r.Alerts), rows.Count == 0 ? null : rows.Max(r => r.MaxScore),
                [.. rows.Select(r => new AccountAlertDay(r.Day, r.Alerts, r.MaxScore))]);
        }, s.Ct);
        return CachedAnswer.Ok(s.Http, answer);
    }
}
