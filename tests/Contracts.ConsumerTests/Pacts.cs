using LedgerX.Pact;

namespace LedgerX.Contracts.ConsumerTests;

/// <summary>The Pact participants: Dapr app ids, which are also the names in the pact files and in the broker.</summary>
public static class Participants
{
    public const string TransactionService = "transaction-service";
    public const string FraudService = "fraud-service";
    public const string AnalyticsService = "analytics-service";
    public const string AuthService = "auth-service";
    public const string Gateway = "gateway";
}

/// <summary>The consumer→provider pairs this assembly writes, one pact file each in contracts/pacts. A test declares its
/// interactions on <see cref="New"/>, which writes into <see cref="StagingDirectory"/>; <see cref="FreshPactFiles"/>
/// moves the files into <see cref="Directory"/> when the run ends.</summary>
public static class Pacts
{
    public static readonly (string Consumer, string Provider) FraudOnLedger = (Participants.FraudService, Participants.TransactionService);
    public static readonly (string Consumer, string Provider) AnalyticsOnLedger = (Participants.AnalyticsService, Participants.TransactionService);

    /// <summary>Every service that validates access tokens fetches auth-service's JWKS: one pact each.</summary>
    public static readonly IReadOnlyList<(string Consumer, string Provider)> OnAuthService =
    [
        (Participants.TransactionService, Participants.AuthService),
        (Participants.FraudService, Participants.AuthService),
        (Participants.AnalyticsService, Participants.AuthService),
    ];

    /// <summary>The gateway merges each service's OpenAPI document into its own. Only the providers verified in
    /// tests/Contracts.ProviderTests have a pact (fraud- and analytics-service have no provider verification yet).</summary>
    public static readonly IReadOnlyList<(string Consumer, string Provider)> GatewayOnServices =
    [
        (Participants.Gateway, Participants.TransactionService),
        (Participants.Gateway, Participants.AuthService),
    ];

    public static IReadOnlyList<(string Consumer, string Provider)> Written { get; } = [FraudOnLedger, AnalyticsOnLedger, .. OnAuthService, .. GatewayOnServices];

    /// <summary>contracts/pacts: where the pacts are committed and where the providers' tests read them.</summary>
    public static string Directory { get; } = PactFiles.RepositoryPactDirectory();

    /// <summary>Beside this assembly, on the repository's file system, so the final move is an atomic rename.</summary>
    public static string StagingDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "pacts-staging");

    public static string FileNameOf((string Consumer, string Provider) pair) => $"{pair.Consumer}-{pair.Provider}.json";

    public static string FileOf((string Consumer, string Provider) pair) => Path.Combine(Directory, FileNameOf(pair));

    public static PactBuilder New((string Consumer, string Provider) pair)
    {
        if (!Written.Contains(pair))
        {
            throw new InvalidOperationException($"{pair.Consumer}→{pair.Provider} is not in Pacts.Written: add it there, or its file would never be published.");
        }
        return new PactBuilder(pair.Consumer, pair.Provider, StagingDirectory);
    }
}
