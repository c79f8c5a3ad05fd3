using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Secrets;

/// <summary>js/apps/secrets under the launcher, whose environment holds the secret the tests read.</summary>
public abstract class SecretsAppFixture : JsAppFixture
{
    public const string SecretName = "LEDGERX_CONFORMANCE_SECRET";
    public const string SecretValue = "s3cr3t-from-the-env-store";

    protected override string Block => "secrets";

    protected override IReadOnlyDictionary<string, string>? LauncherEnvironment => new Dictionary<string, string> { [SecretName] = SecretValue };
}

public sealed class SecretsAppInMemory : SecretsAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.InMemory;
}

public sealed class SecretsAppPostgresRedis : SecretsAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.PostgresRedis;
}
