using LedgerX.Analytics.Api.Rebuild;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Apis;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Analytics.Api.Apis;

/// <summary>Operations on the read models: analytics:rebuild and ledger:verify (the replay exports the ledger's log on the
/// caller's behalf, with their token); the rebuild is audited with the token's principal as actor.</summary>
public static class RebuildApi
{
    public static IEndpointRouteBuilder MapRebuildApi(this IEndpointRouteBuilder app)
    {
        // No money in its answer, so v2 is the same operation under v2's prefix.
        foreach (var version in new[] { ApiVersion.V1, ApiVersion.V2 })
        {
            version.Group(app, "/admin", "Admin").MapPost("/rebuild", Rebuild).WithName(version.EndpointName("RebuildReadModels"))
                .WithSummary("Replay transaction-service's event log into the read models (one at a time; safe to repeat)")
                .RequirePermission(Permissions.AnalyticsRebuild)
                // The replay reads the ledger's whole log with the caller's token, which the ledger grants with ledger:verify:
                // refused here at once rather than by the ledger halfway.
                .RequirePermission(Permissions.LedgerVerify);
        }
        return app;
    }

    /// <summary>Synchronous: answers when the new read models are committed. Running it again gives the same tables.</summary>
    public static async Task<Results<Ok<RebuildReport>, ProblemHttpResult>> Rebuild(ReadModelRebuilder rebuilder, HttpContext http, CancellationToken ct) =>
        await rebuilder.TryRebuildAsync(AuditCaller.Of(http), http.Request.Headers.Authorization.ToString(), ct) is { } report
            ? TypedResults.Ok(report)
            : Problems.Conflict("rebuild_in_progress", "A rebuild is already running; wait for it to finish.");
}
