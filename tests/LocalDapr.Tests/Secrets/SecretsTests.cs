using Dapr;
using Grpc.Core;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;

namespace LedgerX.LocalDapr.Tests.Secrets;

public sealed class SecretsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Local_file_store_flattens_nested_keys_with_the_separator()
    {
        using var resources = new ResourceFolder();
        File.WriteAllText(Path.Combine(resources.Path, "secrets.json"), """{"db":{"password":"pw","hosts":["a","b"]},"jwt":"key"}""");
        resources.WithComponent("secrets", "secretstores.local.file", ("secretsFile", "secrets.json"), ("nestedSeparator", "."));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "secrets-app", ResourcesPaths = [resources.Path], WorkingDirectory = resources.Path }, Ct);
        using var client = Clients.For(sidecar);

        (await client.GetSecretAsync("secrets", "db.password", cancellationToken: Ct)).ShouldBe(new Dictionary<string, string> { ["db.password"] = "pw" });
        (await client.GetSecretAsync("secrets", "db.hosts.1", cancellationToken: Ct))["db.hosts.1"].ShouldBe("b");
        var bulk = await client.GetBulkSecretAsync("secrets", cancellationToken: Ct);
        bulk.Keys.ShouldBe(["db.password", "db.hosts.0", "db.hosts.1", "jwt"], ignoreOrder: true);
    }

    [Fact]
    public async Task Multi_valued_file_store_returns_one_map_per_top_level_key()
    {
        using var resources = new ResourceFolder();
        File.WriteAllText(Path.Combine(resources.Path, "secrets.json"), """{"db":{"user":"u","conn":{"port":"5432"}},"single":"s","ignored":5}""");
        resources.WithComponent("secrets", "secretstores.local.file", ("secretsFile", "secrets.json"), ("multiValued", "true"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "secrets-app", ResourcesPaths = [resources.Path], WorkingDirectory = resources.Path }, Ct);
        using var client = Clients.For(sidecar);

        (await client.GetSecretAsync("secrets", "db", cancellationToken: Ct)).ShouldBe(new Dictionary<string, string> { ["user"] = "u", ["conn:port"] = "5432" }, ignoreOrder: true);
        (await client.GetSecretAsync("secrets", "single", cancellationToken: Ct)).ShouldBe(new Dictionary<string, string> { ["single"] = "s" });
        (await client.GetBulkSecretAsync("secrets", cancellationToken: Ct)).Keys.ShouldBe(["db", "single"], ignoreOrder: true);
    }

    [Fact]
    public async Task Env_store_reads_process_environment_and_errors_match_daprd()
    {
        Environment.SetEnvironmentVariable("LOCALDAPR_TEST_SECRET", "from-env");
        using var resources = new ResourceFolder().WithComponent("env", "secretstores.local.env");
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "env-app", ResourcesPaths = [resources.Path] }, Ct);
        using var client = Clients.For(sidecar);

        (await client.GetSecretAsync("env", "LOCALDAPR_TEST_SECRET", cancellationToken: Ct))["LOCALDAPR_TEST_SECRET"].ShouldBe("from-env");

        var missing = await Should.ThrowAsync<DaprException>(() => client.GetSecretAsync("env", "LOCALDAPR_NOT_SET_ANYWHERE", cancellationToken: Ct));
        missing.InnerException.ShouldBeOfType<RpcException>().StatusCode.ShouldBe(StatusCode.Internal);
        var unknown = await Should.ThrowAsync<DaprException>(() => client.GetSecretAsync("vault", "x", cancellationToken: Ct));
        unknown.InnerException.ShouldBeOfType<RpcException>().StatusCode.ShouldBe(StatusCode.InvalidArgument);

        using var http = new HttpClient();
        (await http.GetAsync($"{sidecar.HttpEndpoint}/v1.0/secrets/vault/x", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        (await http.GetStringAsync($"{sidecar.HttpEndpoint}/v1.0/secrets/env/LOCALDAPR_TEST_SECRET", Ct)).ShouldBe("""{"LOCALDAPR_TEST_SECRET":"from-env"}""");
    }
}
