using LedgerX.Analytics.Api.Caching;
using LedgerX.Analytics.Api.Persistence;

namespace LedgerX.Analytics.Api.Apis;

/// <summary>What every query handler needs, bound with [AsParameters].</summary>
public sealed record QueryServices(AnalyticsDbContext Db, QueryCache Cache, TimeProvider Clock, HttpContext Http, CancellationToken Ct)
{
    public DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);
}
