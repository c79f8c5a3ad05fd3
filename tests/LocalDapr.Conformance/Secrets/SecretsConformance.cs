using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Secrets;

/// <summary>Secrets as @dapr/dapr 3.18 reads them (js/apps/secrets/app.js), over HTTP and gRPC. Run once per backend.</summary>
public abstract class SecretsConformance(SecretsAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private JsAppRun App => fixture.App;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_secret_is_read_alone_and_in_bulk(bool grpc)
    {
        var one = await App.CallAsync("/get", new { grpc, key = SecretsAppFixture.SecretName }, Ct);
        one.GetProperty("secret").GetProperty(SecretsAppFixture.SecretName).GetString().ShouldBe(SecretsAppFixture.SecretValue);

        var all = await App.CallAsync("/bulk", new { grpc }, Ct);
        all.GetProperty("secrets").GetProperty(SecretsAppFixture.SecretName).GetProperty(SecretsAppFixture.SecretName).GetString().ShouldBe(SecretsAppFixture.SecretValue);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unknown_store_is_an_error_the_sdk_reports(bool grpc)
    {
        var error = await Should.ThrowAsync<ControlCallException>(() => App.CallAsync("/get", new { grpc, store = "nope", key = "k" }, Ct));

        error.Error.ShouldContain("failed finding secret store with key nope");
    }
}

public sealed class SecretsConformanceInMemory(SecretsAppInMemory fixture) : SecretsConformance(fixture), IClassFixture<SecretsAppInMemory>;

public sealed class SecretsConformancePostgresRedis(SecretsAppPostgresRedis fixture) : SecretsConformance(fixture), IClassFixture<SecretsAppPostgresRedis>;
