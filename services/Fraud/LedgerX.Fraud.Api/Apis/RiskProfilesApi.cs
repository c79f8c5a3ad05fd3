using System.Security.Claims;
using Dapr.Actors;
using Dapr.Actors.Client;
using LedgerX.Fraud.Api.Access;
using LedgerX.Fraud.Api.Actors;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using LedgerX.Fraud.Domain.Profiles;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Apis;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Fraud.Api.Apis;

/// <summary>An account's risk profile, read from its actor: what the rules compare a new movement with. It carries no
/// money pair (only counts and statistics), so v1 and v2 share its shape.</summary>
public static class RiskProfilesApi
{
    public static IEndpointRouteBuilder MapRiskProfilesApi(this IEndpointRouteBuilder app)
    {
        foreach (var version in new[] { ApiVersion.V1, ApiVersion.V2 })
        {
            version.Group(app, "/accounts", "Risk profiles")
                .MapGet("/{accountId:guid}/risk-profile", Get).WithName(version.EndpointName("GetRiskProfile"))
                .WithSummary("An account's risk profile and its recent assessments")
                .ProducesProblem(StatusCodes.Status404NotFound).RequirePermission(Permissions.LedgerRead);
        }
        return app;
    }

    /// <remarks>fraud-service knows an account only through its movements, and every movement it scores is recorded in
    /// the profile; so a profile with none is an account it has never seen (an unknown id, or one with no movement yet),
    /// answered 404 rather than with an empty profile that looks like a real one. A customer asking about an account they
    /// do not own gets the same 404, before the actor is even asked.</remarks>
    public static async Task<Results<Ok<RiskProfileResponse>, ProblemHttpResult>> Get(
        Guid accountId, FraudDbContext db, ClaimsPrincipal caller, IActorProxyFactory actors, CancellationToken ct)
    {
        if (!await db.MaySeeAccountAsync(caller, accountId, ct))
        {
            return NotFound(accountId);
        }
        var proxy = actors.Create(new ActorId(accountId.ToString()), AccountRiskActor.TypeName);
        var profile = await proxy.InvokeMethodAsync<RiskProfile>(nameof(IAccountRiskActor.GetProfileAsync), ct);
        if (profile.MovementCount == 0)
        {
            return NotFound(accountId);
        }
        return TypedResults.Ok(new RiskProfileResponse(
            accountId, profile.MovementCount, Stats(profile.Outflows), Stats(profile.Inflows), profile.Counterparties.Count, profile.HourCounts,
            [.. profile.Assessments.Reverse().Select(a => new RecentAssessmentResponse(a.EventId, a.Assessment.Score,
                [.. a.Assessment.Reasons.Select(r => new ReasonResponse(r.RuleId, r.RuleType, r.Points, r.Detail))]))]));
    }

    private static ProblemHttpResult NotFound(Guid accountId) => Problems.NotFound("risk_profile_not_found",
        $"fraud-service has seen no movement on account {accountId}, so it has no risk profile (an unknown account, or one not used yet).");

    private static AmountStatisticsResponse Stats(RunningStatistics s) => new(s.Count, Math.Round(s.Mean, 2), Math.Round(s.StandardDeviation, 2));
}
