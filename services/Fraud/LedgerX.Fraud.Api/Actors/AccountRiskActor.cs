using Dapr.Actors;
using Dapr.Actors.Runtime;
using LedgerX.Fraud.Domain;
using LedgerX.Fraud.Domain.Profiles;
using LedgerX.Fraud.Domain.Scoring;
using Microsoft.Extensions.Options;

namespace LedgerX.Fraud.Api.Actors;

/// <summary>Called by name with JSON bodies (non-remoting), so the contract is the method names and the records.</summary>
public interface IAccountRiskActor : IActor
{
    Task<Assessment> AssessAsync(Movement movement);

    Task<RiskProfile> GetProfileAsync();
}

/// <summary>
/// One actor per account (actor id = account id) holds its risk profile in the actor state store. Dapr runs one turn at
/// a time per actor, so concurrent events for one account are scored one after the other against an up-to-date
/// profile, without locks or version checks. The profile remembers recent assessments by event id, so a redelivered
/// event is answered as before and counted once.
/// </summary>
public sealed class AccountRiskActor(ActorHost host, RiskScorer scorer, IOptions<FraudOptions> options) : Actor(host), IAccountRiskActor
{
    public const string TypeName = nameof(AccountRiskActor);
    private const string ProfileKey = "profile";

    public async Task<Assessment> AssessAsync(Movement movement)
    {
        var profile = await LoadAsync();
        // What raises an alert stays out of the amount baseline (see RiskProfile.Assess).
        var (next, assessment, duplicate) = profile.Assess(movement, scorer, options.Value.AlertThreshold);
        if (!duplicate)
        {
            await StateManager.SetStateAsync(ProfileKey, next);
            await StateManager.SaveStateAsync();
        }
        return assessment;
    }

    public Task<RiskProfile> GetProfileAsync() => LoadAsync();

    private async Task<RiskProfile> LoadAsync() =>
        await StateManager.TryGetStateAsync<RiskProfile>(ProfileKey) is { HasValue: true } stored ? stored.Value : RiskProfile.Empty;
}
