using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resources;
using LedgerX.LocalDapr.Tests.Infrastructure;

namespace LedgerX.LocalDapr.Tests.Resources;

public sealed class ResourceLoadingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unknown_component_type_names_the_file_and_field()
    {
        using var resources = new ResourceFolder().WithComponent("statestore", "state.cassandra");
        var error = await Should.ThrowAsync<ResourceException>(() => LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "bad-app", ResourcesPaths = [resources.Path] }, Ct));
        error.Message.ShouldContain("statestore.yaml");
        error.Message.ShouldContain("spec.type");
        error.Message.ShouldContain("state.cassandra");
    }

    [Fact]
    public void Malformed_yaml_names_the_file_and_position()
    {
        using var resources = new ResourceFolder().With("broken.yaml", "kind: Component\nmetadata: [unclosed\n");
        var error = Should.Throw<ResourceException>(() => ResourceLoader.Load([resources.Path], null, "app"));
        error.Message.ShouldContain("broken.yaml");
        error.Message.ShouldContain("line");
    }

    [Fact]
    public void Missing_required_field_names_the_field()
    {
        using var resources = new ResourceFolder().With("noname.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {}\nspec:\n  type: state.in-memory\n");
        var error = Should.Throw<ResourceException>(() => ResourceLoader.Load([resources.Path], null, "app"));
        error.Message.ShouldBe($"{Path.Combine(resources.Path, "noname.yaml")}: metadata.name: is required");
    }

    [Fact]
    public void Scopes_hide_components_from_other_apps()
    {
        using var resources = new ResourceFolder().With("scoped.yaml", Yaml.Component("scoped", "state.in-memory") + "scopes:\n- app-a\n");
        ResourceLoader.Load([resources.Path], null, "app-a").Components.Select(c => c.Name).ShouldBe(["scoped"]);
        ResourceLoader.Load([resources.Path], null, "app-b").Components.ShouldBeEmpty();
    }

    [Fact]
    public async Task SecretKeyRef_and_envRef_are_resolved_before_the_component_starts()
    {
        using var resources = new ResourceFolder();
        File.WriteAllText(Path.Combine(resources.Path, "secrets.json"), """{"db":{"prefix":"ledger_"}}""");
        Environment.SetEnvironmentVariable("LOCALDAPR_TEST_KEYPREFIX", "custom");
        resources
            .With("secrets.yaml", Yaml.Component("localsecrets", "secretstores.local.file", ("secretsFile", "secrets.json")))
            .With("store.yaml", """
                apiVersion: dapr.io/v1alpha1
                kind: Component
                metadata:
                  name: store
                spec:
                  type: state.in-memory
                  version: v1
                  metadata:
                  - name: keyPrefix
                    envRef: LOCALDAPR_TEST_KEYPREFIX
                  - name: unusedSecret
                    secretKeyRef:
                      name: "db:prefix"
                auth:
                  secretStore: localsecrets
                """);
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "refs-app", ResourcesPaths = [resources.Path], WorkingDirectory = resources.Path }, Ct);
        sidecar.Runtime.State.Stores["store"].Prefix("refs-app", "k").ShouldBe("custom||k");
    }

    [Fact]
    public async Task A_literal_value_wins_over_envRef_as_in_daprd()
    {
        Environment.SetEnvironmentVariable("LOCALDAPR_TEST_KEYPREFIX_2", "from-env");
        using var resources = new ResourceFolder().With("store.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: store
            spec:
              type: state.in-memory
              version: v1
              metadata:
              - name: keyPrefix
                value: literal
                envRef: LOCALDAPR_TEST_KEYPREFIX_2
            """);
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "refs-app", ResourcesPaths = [resources.Path] }, Ct);
        sidecar.Runtime.State.Stores["store"].Prefix("refs-app", "k").ShouldBe("literal||k");
    }

    [Fact]
    public void SecretKeyRef_without_a_secret_store_is_an_error_naming_the_field()
    {
        using var resources = new ResourceFolder().With("store.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: store
            spec:
              type: state.in-memory
              metadata:
              - name: password
                secretKeyRef:
                  name: pg
            """);
        var error = Should.Throw<ResourceException>(() => LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "refs-app", ResourcesPaths = [resources.Path] }, Ct).GetAwaiter().GetResult());
        error.Message.ShouldContain("spec.metadata[0].secretKeyRef");
    }

    [Fact]
    public void Resiliency_referencing_an_unknown_policy_is_rejected()
    {
        using var resources = new ResourceFolder().With("resiliency.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata:
              name: r
            spec:
              policies:
                retries:
                  fast: { policy: constant, duration: 10ms, maxRetries: 3 }
              targets:
                apps:
                  other: { retry: slow }
            """);
        var error = Should.Throw<ResourceException>(() => ResourceLoader.Load([resources.Path], null, "app"));
        error.Message.ShouldContain("spec.targets.apps.other.retry");
    }
}
