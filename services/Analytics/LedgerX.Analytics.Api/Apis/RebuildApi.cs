using LedgerX.Analytics.Api.Rebuild;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Analytics.Api.Apis;

/// <summary>Operations on the read models: analytics:rebuild; the rebuild is audited with the token's principal as actor.</summary>
public static class RebuildApi
{
    public static IEndpointRouteBuilder MapRebuildApi(this IEndpointRouteBuilder app)
    {
        // No money in its answer, so v2 is the same operation under v2's prefix.
        foreach (var version in new[] { ApiVersion.V1, ApiVersion.V2 })
        {
            version.Group(app, "/admin", "Admin").MapPost("/rebuild", Rebuild).WithName(version.EndpointName("RebuildReadModels"))
                .WithSummary("Replay transaction-service's event log into the read models (one at a time; safe to repeat)")
                .RequirePermission(Permissions.AnalyticsRebuild);
        }
        return app;
    }

    /// <summary>Synchronous: answers when the new read models are committed. Running it again gives the same tables.</summary>
    public static async Task<Results<Ok<RebuildReport>, ProblemHttpResult>> Rebuild(ReadModelRebuilder rebuilder, HttpContext http, CancellationToken ct) =>
        await rebuilder.TryRebuildAsync(AuditCaller.Of(http), ct) is { } report
            ? TypedResults.Ok(report)
            : Problems.Conflict("rebuild_in_progress", "A rebuild is already running; wait for it to finish.");
}
