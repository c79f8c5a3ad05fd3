using LedgerX.LocalDapr.Hosting;
using LedgerX.ServiceDefaults.Secrets;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// A service's credentials from the Dapr secret store at start-up (ADR 0025), through a real local sidecar whose store
/// is <c>secretstores.local.file</c>, as under <c>./ledgerx up</c>; the shared-secret form of the chart (one Secret or
/// Vault map holding every credential as a key) through a multi-valued file store, which answers the same shape.
/// </summary>
public sealed class SecretStoreConfigurationTests : IDisposable
{
    private const string Store = "secretstore";
    private const string Bundled = "bundled";
    private const string SecretName = "sample-connection-string";
    private const string Value = "Host=db.internal;Username=sample;Password=s3cret-never-logged;Database=sample";
    private const string Token = "sidecar-token-for-secret-tests";

    private static readonly ServiceSecret Sample = ServiceSecret.ConnectionString("Sample", SecretName);

    /// <summary>Generous: the machine is shared; it bounds a hang, it measures nothing.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-secret-tests-").FullName;

    public SecretStoreConfigurationTests()
    {
        File.WriteAllText(Path.Combine(_resources, "secrets.json"), $$"""{"{{SecretName}}": "{{Value}}", "other-service-key": "not-ours"}""");
        File.WriteAllText(Path.Combine(_resources, "bundle.json"), $$$"""{"ledgerx-secrets": {"{{{SecretName}}}": "{{{Value}}}", "unrelated": "x"}}""");
        File.WriteAllText(Path.Combine(_resources, "secretstore.yaml"), Component(Store, ("secretsFile", "secrets.json")));
        File.WriteAllText(Path.Combine(_resources, "bundled.yaml"), Component(Bundled, ("secretsFile", "bundle.json"), ("multiValued", "true")));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_resources, recursive: true);

    [Fact]
    public async Task A_secret_in_the_store_fills_its_configuration_key()
    {
        await using var sidecar = await StartSidecarAsync(SidecarPorts.Free());
        var builder = Builder(sidecar.HttpPort, sidecar.GrpcPort);

        await builder.AddSecretStoreConfigurationAsync(Sample).WaitAsync(HangGuard, Ct);

        builder.Configuration.GetConnectionString("Sample").ShouldBe(Value);
    }

    [Fact]
    public async Task A_shared_secret_gives_each_service_its_own_key()
    {
        await using var sidecar = await StartSidecarAsync(SidecarPorts.Free());
        var builder = Builder(sidecar.HttpPort, sidecar.GrpcPort, ("SecretStore:Name", Bundled), ("SecretStore:Secret", "ledgerx-secrets"));

        await builder.AddSecretStoreConfigurationAsync(Sample).WaitAsync(HangGuard, Ct);

        builder.Configuration.GetConnectionString("Sample").ShouldBe(Value);
    }

    [Fact]
    public async Task A_missing_secret_fails_start_up_naming_it()
    {
        await using var sidecar = await StartSidecarAsync(SidecarPorts.Free());
        var builder = Builder(sidecar.HttpPort, sidecar.GrpcPort);

        var failure = await Should.ThrowAsync<SecretStoreException>(
            builder.AddSecretStoreConfigurationAsync(ServiceSecret.ConnectionString("Missing", "missing-connection-string")).WaitAsync(HangGuard, Ct));

        failure.Message.ShouldContain("'missing-connection-string'");
        failure.Message.ShouldContain("ConnectionStrings:Missing");
        failure.Message.ShouldContain($"secret store '{Store}'");
    }

    [Fact]
    public async Task A_shared_secret_without_the_key_fails_naming_its_keys_and_no_value()
    {
        await using var sidecar = await StartSidecarAsync(SidecarPorts.Free());
        var builder = Builder(sidecar.HttpPort, sidecar.GrpcPort, ("SecretStore:Name", Bundled), ("SecretStore:Secret", "ledgerx-secrets"));

        var failure = await Should.ThrowAsync<SecretStoreException>(
            builder.AddSecretStoreConfigurationAsync(ServiceSecret.ConnectionString("Other", "other-connection-string")).WaitAsync(HangGuard, Ct));

        failure.Message.ShouldContain("no key 'other-connection-string'");
        failure.Message.ShouldContain(SecretName);
        failure.Message.ShouldNotContain("s3cret-never-logged");
    }

    [Fact]
    public async Task A_sidecar_that_starts_late_is_waited_for()
    {
        var ports = SidecarPorts.Free();
        var builder = Builder(ports.Http, ports.Grpc);

        var reading = builder.AddSecretStoreConfigurationAsync(Sample);
        reading.IsCompleted.ShouldBeFalse("nothing answers yet, so start-up must still be waiting");
        await using var sidecar = await StartSidecarAsync(ports);
        await reading.WaitAsync(HangGuard, Ct);

        builder.Configuration.GetConnectionString("Sample").ShouldBe(Value);
    }

    [Fact]
    public async Task A_sidecar_that_never_answers_fails_start_up_within_the_wait_naming_the_secrets()
    {
        var ports = SidecarPorts.Free();
        var builder = Builder(ports.Http, ports.Grpc, ("SecretStore:SidecarWaitSeconds", "1"));

        var failure = await Should.ThrowAsync<SecretStoreException>(builder.AddSecretStoreConfigurationAsync(Sample).WaitAsync(HangGuard, Ct));

        failure.Message.ShouldContain("did not answer within 1 s");
        failure.Message.ShouldContain($"'{SecretName}'");
    }

    [Fact]
    public async Task An_explicit_setting_wins_and_needs_no_sidecar()
    {
        var ports = SidecarPorts.Free();
        var builder = Builder(ports.Http, ports.Grpc, ("SecretStore:SidecarWaitSeconds", "1"), ("ConnectionStrings:Sample", "Host=explicit;Database=test"));

        await builder.AddSecretStoreConfigurationAsync(Sample).WaitAsync(HangGuard, Ct);

        builder.Configuration.GetConnectionString("Sample").ShouldBe("Host=explicit;Database=test");
    }

    [Fact]
    public async Task The_host_logs_where_each_credential_came_from_and_never_its_value()
    {
        await using var sidecar = await StartSidecarAsync(SidecarPorts.Free());
        var logs = new RecordingLoggerProvider();
        var builder = Builder(sidecar.HttpPort, sidecar.GrpcPort, ("ConnectionStrings:Explicit", "Host=explicit;Password=explicit-never-logged"));
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.WebHost.UseTestServer();

        await builder.AddSecretStoreConfigurationAsync(Sample, ServiceSecret.ConnectionString("Explicit", "explicit-connection-string")).WaitAsync(HangGuard, Ct);
        await using var app = builder.Build();
        await app.StartAsync(Ct);
        await app.StopAsync(Ct);

        var lines = logs.Entries.Select(e => e.Message).ToList();
        lines.ShouldContain(l => l.Contains($"ConnectionStrings:Sample from '{SecretName}'", StringComparison.Ordinal) && l.Contains(Store, StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("ConnectionStrings:Explicit from 'explicit-connection-string'", StringComparison.Ordinal) && l.Contains("explicitly", StringComparison.Ordinal));
        lines.ShouldAllBe(l => !l.Contains("s3cret-never-logged") && !l.Contains("explicit-never-logged"));
    }

    private async Task<LocalDaprSidecar> StartSidecarAsync(SidecarPorts ports) =>
        await LocalDaprSidecar.StartAsync(
            new SidecarOptions
            {
                AppId = "secrets-sample",
                HttpPort = ports.Http,
                GrpcPort = ports.Grpc,
                ResourcesPaths = [_resources],
                WorkingDirectory = _resources,
                ApiToken = Token,
                WaitForApp = false,
            },
            Ct);

    /// <summary>A service's builder told where its sidecar is, as <c>dapr run</c> tells it (through configuration).</summary>
    private static WebApplicationBuilder Builder(int httpPort, int grpcPort, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        var values = new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{httpPort}",
            ["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{grpcPort}",
            ["DAPR_API_TOKEN"] = Token,
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        return builder;
    }

    private static string Component(string name, params (string Name, string Value)[] metadata) =>
        $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: secretstores.local.file
          version: v1
          metadata:
        {string.Join("\n", metadata.Select(m => $"    - name: {m.Name}\n      value: \"{m.Value}\""))}
        """;
}
