namespace LedgerX.Nlp.IntegrationTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class StrictNlpServiceCollection : ICollectionFixture<StrictNlpService>
{
    public const string Name = "nlp-service with short limits";
}

/// <summary>nlp-service with short limits, so timeouts, retries, dead letters and lost leases happen within a test:
/// an answer may take 4 s, a lease lasts 5 s, two attempts, retries after 100 ms.</summary>
public sealed class StrictNlpService : NlpService
{
    public const int AnswerTimeoutSeconds = 4;
    public const int MaxAttempts = 2;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nlp:WorkerConcurrency"] = "16",
        ["Nlp:AnswerTimeoutSeconds"] = AnswerTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Nlp:LeaseMarginSeconds"] = "1",
        ["Nlp:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Nlp:RetryBackoffMs"] = "100",
    };
}
