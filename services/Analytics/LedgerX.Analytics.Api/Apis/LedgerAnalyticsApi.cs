using LedgerX.Analytics.Api.Caching;
using LedgerX.ServiceDefaults.Apis;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Analytics.Api.Apis;

/// <summary>Read models over the whole ledger, per UTC day: money volumes, hold and reversal activity, fraud alerts.</summary>
public static class LedgerAnalyticsApi
{
    public const int MaxDays = 366;

    public static IEndpointRouteBuilder MapLedgerAnalyticsApi(this IEndpointRouteBuilder app)
    {
        foreach (var version in new[] { ApiVersion.V1, ApiVersion.V2 })
        {
            // They add up everyone's money: analytics:read alone (a customer's) is not enough, accounts:any is needed too.
            var ledger = version.Group(app, "/ledger", "Ledger").RequirePermission(Permissions.AnalyticsRead).RequirePermission(Permissions.AccountsAny);
            var volumes = version == ApiVersion.V1
                ? ledger.MapGet("/volumes/daily", Volumes)
                : ledger.MapGet("/volumes/daily", async ([FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? currency, [AsParameters] QueryServices s) =>
                    V2Views.Map(await Volumes(from, to, currency, s), V2Views.Report));
            volumes.WithName(version.EndpointName("GetDailyVolumes")).WithSummary("Entries and money moved per UTC day, currency and entry kind");
            ledger.MapGet("/activity/daily", Activity).WithName(version.EndpointName("GetDailyActivity"))
                .WithSummary("Hold and reversal events per UTC day and event type");
            ledger.MapGet("/alerts/daily", Alerts).WithName(version.EndpointName("GetDailyAlerts"))
                .WithSummary("Fraud alerts per UTC day: how many, on how many accounts, the highest score");
        }
        return app;
    }

    public static async Task<Results<Ok<DailyReport<DailyVolume>>, ValidationProblem, ProblemHttpResult>> Volumes(
        [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? currency, [AsParameters] QueryServices s)
    {
        var input = new QueryInput();
        var (start, end) = input.DayRange(from, to, s.Today, 30, MaxDays);
        var code = input.Currency(currency);
        if (!input.IsValid)
        {
            return input.Problem();
        }

        var answer = await s.Cache.GetOrComputeAsync(QueryCache.LedgerScope, $"volumes:{start:yyyy-MM-dd}:{end:yyyy-MM-dd}:{code}", async ct =>
        {
            var query = s.Db.DailyVolumes.AsNoTracking().Where(v => v.Day >= start && v.Day <= end);
            if (code is not null)
            {
                query = query.Where(v => v.Currency == code);
            }
            var rows = await query.OrderBy(v => v.Day).ThenBy(v => v.Currency).ThenBy(v => v.Kind).ToListAsync(ct);
            return new DailyReport<DailyVolume>(start, end, [.. rows.Select(v => new DailyVolume(v.Day, v.Currency, v.Kind, v.Entries, v.AmountMinor))]);
        }, s.Ct);
        return CachedAnswer.Ok(s.Http, answer);
    }

    public static async Task<Results<Ok<DailyReport<DailyActivity>>, ValidationProblem>> Activity(
        [FromQuery] string? from, [FromQuery] string? to, [AsParameters] QueryServices s)
    {
        var input = new QueryInput();
        var (start, end) = input.DayRange(from, to, s.Today, 30, MaxDays);
        if (!input.IsValid)
        {
            return input.Problem();
        }

        var answer = await s.Cache.GetOrComputeAsync(QueryCache.LedgerScope, $"activity:{start:yyyy-MM-dd}:{end:yyyy-MM-dd}", async ct =>
        {
            var rows = await s.Db.DailyActivity.AsNoTracking().Where(a => a.Day >= start && a.Day <= end)
                .OrderBy(a => a.Day).ThenBy(a => a.Activity).ToListAsync(ct);
            return new DailyReport<DailyActivity>(start, end, [.. rows.Select(a => new DailyActivity(a.Day, a.Activity, a.Events))]);
        }, s.Ct);
        return CachedAnswer.Ok(s.Http, answer);
    }

    public static async Task<Results<Ok<DailyReport<DailyAlerts>>, ValidationProblem>> Alerts(
        [FromQuery] string? from, [FromQuery] string? to, [AsParameters] QueryServices s)
    {
        var input = new QueryInput();
        var (start, end) = input.DayRange(from, to, s.Today, 30, MaxDays);
        if (!input.IsValid)
        {
            return input.Problem();
        }

        var answer = await s.Cache.GetOrComputeAsync(QueryCache.LedgerScope, $"alerts:{start:yyyy-MM-dd}:{end:yyyy-MM-dd}", async ct =>
        {
            // Ordered by the group key before projecting: EF Core cannot translate an OrderBy over a record built in Select.
            var rows = await s.Db.AlertCounts.AsNoTracking().Where(a => a.Day >= start && a.Day <= end)
                .GroupBy(a => a.Day)
                .OrderBy(g => g.Key)
                .Select(g => new DailyAlerts(g.Key, g.Sum(a => a.Alerts), g.LongCount(), g.Max(a => a.MaxScore)))
                .ToListAsync(ct);
            return new DailyReport<DailyAlerts>(start, end, rows);
        }, s.Ct);
        return CachedAnswer.Ok(s.Http, answer);
    }
}
