using LedgerX.Pact;

namespace LedgerX.Contracts.ConsumerTests;

/// <summary>The Pact participants: Dapr app ids, which are also the names in the pact files and in the broker.</summary>
public static class Participants
{
    public const string TransactionService = "transaction-service";
    public const string FraudService = "fraud-service";
    public const string AnalyticsService = "analytics-service";
}

/// <summary>The consumer→provider pairs this assembly writes, one pact file each in contracts/pacts. A test declares its
/// interactions on <see cref="New"/>; <see cref="FreshPactFiles"/> deletes these files when the run starts, so an
/// interaction no test declares any more does not linger in them.</summary>
public static class Pacts
{
    public static readonly (string Consumer, string Provider) FraudOnLedger = (Participants.FraudService, Participants.TransactionService);
    public static readonly (string Consumer, string Provider) AnalyticsOnLedger = (Participants.AnalyticsService, Participants.TransactionService);

    public static IReadOnlyList<(string Consumer, string Provider)> Written { get; } = [FraudOnLedger, AnalyticsOnLedger];

    public static string Directory { get; } = PactFiles.RepositoryPactDirectory();

    public static string FileOf((string Consumer, string Provider) pair) => Path.Combine(Directory, $"{pair.Consumer}-{pair.Provider}.json");

    public static PactBuilder New((string Consumer, string Provider) pair)
    {
        if (!Written.Contains(pair))
        {
            throw new InvalidOperationException($"{pair.Consumer}→{pair.Provider} is not in Pacts.Written: add it there, or its stale interactions would never be cleared.");
        }
        return new PactBuilder(pair.Consumer, pair.Provider, Directory);
    }
}
