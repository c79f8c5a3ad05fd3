using LedgerX.Analytics.Api.Rebuild;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Analytics.Api.Apis;

/// <summary>Operations on the read models. Not for end users: the gateway does not route /api/v1/admin.</summary>
public static class RebuildApi
{
    public static IEndpointRouteBuilder MapRebuildApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin").WithTags("Admin");
        admin.MapPost("/rebuild", Rebuild).WithName("RebuildReadModels")
            .WithSummary("Replay transaction-service's event log into the read models (one at a time; safe to repeat)");
        return app;
    }

    /// <summary>Synchronous: answers when the new read models are committed. Running it again gives the same tables.</summary>
    public static async Task<Results<Ok<RebuildReport>, ProblemHttpResult>> Rebuild(ReadModelRebuilder rebuilder, HttpContext http, CancellationToken ct) =>
        await rebuilder.TryRebuildAsync(AuditCaller.Of(http), ct) is { } report
            ? TypedResults.Ok(report)
            : Problems.Conflict("rebuild_in_progress", "A rebuild is already running; wait for it to finish.");
}
