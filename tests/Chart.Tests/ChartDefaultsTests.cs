using YamlDotNet.Serialization;

namespace LedgerX.Chart.Tests;

/// <summary>charts/ledgerx rendered with its defaults deploys every app of dapr.yaml the way Kubernetes and the Dapr
/// control plane need it.</summary>
public sealed class ChartDefaultsRender
{
    private static readonly Lazy<RenderedChart> Defaults = new(() => ChartRenderer.Render("--notes"));

    private static RenderedChart Chart => Defaults.Value;

    /// <summary>dapr.yaml's apps: app id and the keys of the secret store each one reads its credentials from at start-up
    /// (its database's connection string, ADR 0025; for notification- and nlp-service also the certificate of their Data
    /// Protection key ring, the addendum; none for the gateway). The keys are the services' constants
    /// (<c>DatabaseSecret</c>, <c>KeyRingSecret</c>); a new app of dapr.yaml must be added here.</summary>
    public static TheoryData<string> AppIds => [.. DaprApps.Value.Keys];

    private static readonly Dictionary<string, string[]> DatabaseSecrets = new(StringComparer.Ordinal)
    {
        ["transaction-service"] = ["ledger-connection-string"],
        ["fraud-service"] = ["fraud-connection-string"],
        ["analytics-service"] = ["analytics-connection-string"],
        ["auth-service"] = ["auth-connection-string"],
        ["notification-service"] = ["notifications-connection-string", "notifications-keyring-certificate"],
        ["nlp-service"] = ["nlp-connection-string", "nlp-keyring-certificate"],
        ["gateway"] = [],
    };

    internal static readonly Lazy<Dictionary<string, string[]>> DaprApps = new(() =>
    {
        var runFile = new DeserializerBuilder().Build()
            .Deserialize<Dictionary<object, object>>(File.ReadAllText(Repository.PathOf("dapr.yaml")));
        return Node.List(runFile, "apps").ToDictionary(
            app => Node.Str(app, "appID") ?? throw new InvalidOperationException("dapr.yaml: an app without appID"),
            app => DatabaseSecrets.GetValueOrDefault(Node.Str(app, "appID")!)
                ?? throw new InvalidOperationException($"dapr.yaml's app {Node.Str(app, "appID")} is not in {nameof(DatabaseSecrets)}"));
    });

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Deployment_carries_the_dapr_annotations_of_its_app(string appId)
    {
        var deployment = Chart.ForApp("Deployment", appId);
        var annotations = deployment.Map("spec", "template", "metadata", "annotations");
        var container = Node.List(deployment.At("spec", "template", "spec", "containers")).ShouldHaveSingleItem();
        var port = Node.List(container, "ports").Single(p => Node.Str(p, "name") == "http");

        annotations["dapr.io/enabled"].ShouldBe("true");
        annotations["dapr.io/app-id"].ShouldBe(appId);
        annotations["dapr.io/app-port"].ShouldBe(Node.Str(port, "containerPort"));
        annotations["dapr.io/config"].ShouldBe(Chart.OfKind("Configuration").ShouldHaveSingleItem().Name);
        Env(container, "ASPNETCORE_HTTP_PORTS").ShouldBe(Node.Str(port, "containerPort"));
    }

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Deployment_probes_healthz_for_liveness_and_startup_and_readyz_for_readiness(string appId)
    {
        var container = Node.List(Chart.ForApp("Deployment", appId).At("spec", "template", "spec", "containers")).Single();

        Node.Str(container, "livenessProbe", "httpGet", "path").ShouldBe("/healthz");
        Node.Str(container, "startupProbe", "httpGet", "path").ShouldBe("/healthz");
        Node.Str(container, "readinessProbe", "httpGet", "path").ShouldBe("/readyz");
        foreach (var probe in new[] { "livenessProbe", "startupProbe", "readinessProbe" })
        {
            Node.Str(container, probe, "httpGet", "port").ShouldBe("http");
        }
    }

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Deployment_reads_its_credentials_from_the_secret_store_and_none_from_its_environment(string appId)
    {
        var deployment = Chart.ForApp("Deployment", appId);
        var container = Node.List(deployment.At("spec", "template", "spec", "containers")).Single();
        var env = Node.List(container, "env");
        const string secretName = "ledgerx-secrets"; // secrets.name's default

        env.ShouldNotContain(e => (Node.Str(e, "name") ?? "").StartsWith("ConnectionStrings__", StringComparison.Ordinal), "ADR 0025: no connection string in the environment");
        env.ShouldNotContain(e => (Node.Str(e, "value") ?? "").Contains("Password=", StringComparison.OrdinalIgnoreCase));
        env.Select(e => Node.Str(e, "valueFrom", "secretKeyRef", "name")).Where(n => n is not null)
            .ShouldAllBe(n => IsDaprTokenSecret(n), "only the sidecar tokens, which daprd needs before any secret store, come from a Secret directly");
        if (DaprApps.Value[appId].Length == 0)
        {
            env.ShouldNotContain(e => (Node.Str(e, "name") ?? "").StartsWith("SecretStore__", StringComparison.Ordinal));
            deployment.Map("spec", "template", "metadata", "annotations").ShouldNotContainKey("ledgerx.io/secret-keys");
            return;
        }

        Env(container, "SecretStore__Name").ShouldBe("kubernetes");
        Env(container, "SecretStore__Secret").ShouldBe(secretName);
        deployment.Str("spec", "template", "metadata", "annotations", "ledgerx.io/secret-keys").ShouldBe(string.Join(",", DaprApps.Value[appId]));
        var local = File.ReadAllText(Repository.PathOf("components", "secrets.json"));
        foreach (var key in DaprApps.Value[appId])
        {
            local.ShouldContain($"\"{key}\":", customMessage: $"components/secrets.json has no {key}: locally and in a cluster the secret has one name");
        }
    }

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Service_selects_the_pods_of_its_deployment_on_the_http_port(string appId)
    {
        var deployment = Chart.ForApp("Deployment", appId);
        var service = Chart.ForApp("Service", appId);
        var podLabels = deployment.Map("spec", "template", "metadata", "labels");

        service.Map("spec", "selector").ShouldNotBeEmpty();
        foreach (var (key, value) in service.Map("spec", "selector"))
        {
            podLabels.GetValueOrDefault(key).ShouldBe(value, $"pod label {key}");
        }
        deployment.Map("spec", "selector", "matchLabels").ShouldBe(service.Map("spec", "selector"));
        Node.Str(service.List("spec", "ports").ShouldHaveSingleItem(), "targetPort").ShouldBe("http");
    }

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Pod_disruption_budget_covers_each_app_running_more_than_one_replica(string appId)
    {
        var pdb = Chart.ForApp("PodDisruptionBudget", appId);

        Chart.ForApp("Deployment", appId).Str("spec", "replicas").ShouldBe("2");
        pdb.Map("spec", "selector", "matchLabels").ShouldBe(Chart.ForApp("Deployment", appId).Map("spec", "selector", "matchLabels"));
    }

    [Fact]
    public void Components_are_scoped_to_exactly_the_deployed_app_ids()
    {
        var deployed = Chart.OfKind("Deployment")
            .Select(d => d.Str("spec", "template", "metadata", "annotations", "dapr.io/app-id") ?? "").Order().ToList();

        deployed.ShouldBe(DaprApps.Value.Keys.Order().ToList());
        Chart.OfKind("Component").Select(c => c.Name).Order().ShouldBe(["live-pubsub", "notify-email", "notify-push", "notify-sms", "pubsub", "statestore"]);
        // The gateway publishes nothing and keeps no state: no component is its to use. The notify-* bindings and
        // live-pubsub are notification-service's (and nlp-service's, which streams answers on it) alone
        // (ChartNotifyComponents, ChartLiveFeed).
        var users = deployed.Where(appId => appId != "gateway").ToList();
        foreach (var component in Chart.OfKind("Component").Where(c => !ChartNotifyComponents.IsNotify(c) && c.Name != ChartLiveFeed.Component))
        {
            // notification-service and nlp-service keep no Dapr state (their databases hold everything): the state store
            // is not theirs.
            var expected = component.Name == "statestore"
                ? users.Where(appId => appId is not ("notification-service" or "nlp-service")).ToList()
                : users;
            component.List("scopes").Cast<string>().Order().ToList().ShouldBe(expected, component.ToString());
        }
    }

    [Fact]
    public void Statestore_is_the_actor_state_store_that_fraud_service_actors_need()
    {
        var metadata = Chart.Single("Component", "statestore").List("spec", "metadata");

        Node.Str(metadata.Single(m => Node.Str(m, "name") == "actorStateStore"), "value").ShouldBe("true");
    }

    [Fact]
    public void Resiliency_governs_invocation_of_transaction_service_with_defined_policies()
    {
        var resiliency = Chart.OfKind("Resiliency").ShouldHaveSingleItem();
        var target = resiliency.Map("spec", "targets", "apps", "transaction-service");

        resiliency.At("scopes").ShouldBeNull("every sidecar, the callers included, must load it");
        resiliency.Map("spec", "policies", "timeouts").ShouldContainKey(target["timeout"]);
        resiliency.Map("spec", "policies", "retries").ShouldContainKey(target["retry"]);
        resiliency.Map("spec", "policies", "circuitBreakers").ShouldContainKey(target["circuitBreaker"]);
    }

    [Fact]
    public void Every_secret_key_a_pod_or_component_reads_is_documented_and_in_the_notes()
    {
        var readme = File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "README.md"));
        var values = File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "values.yaml"));

        var keys = SecretKeysReferenced(Chart).ToList();
        keys.ShouldContain("ledger-connection-string");
        foreach (var key in keys)
        {
            readme.ShouldContain($"`{key}`", customMessage: $"charts/ledgerx/README.md does not document the Secret key {key}");
            values.ShouldContain($"#   {key}", customMessage: $"values.yaml (secrets) does not document the Secret key {key}");
            Chart.Notes.ShouldContain(key, customMessage: $"NOTES do not tell the user to create {key}");
        }
    }

    [Fact]
    public void Notes_render_for_every_deployed_app()
    {
        foreach (var appId in DaprApps.Value.Keys)
        {
            Chart.Notes.ShouldContain($"Dapr app id \"{appId}\"");
        }
        Chart.Notes.ShouldNotContain("<no value>");
        Chart.Notes.ShouldContain("Access tokens are accepted from issuer https://auth.ledgerx.example/ (auth.issuer");
    }

    internal static IEnumerable<string> SecretKeysReferenced(RenderedChart chart)
    {
        var fromPods = chart.OfKind("Deployment")
            .SelectMany(d => d.List("spec", "template", "spec", "containers").Concat(d.List("spec", "template", "spec", "initContainers")))
            .SelectMany(c => Node.List(c, "env"))
            .Where(e => !IsDaprTokenSecret(Node.Str(e, "valueFrom", "secretKeyRef", "name")))
            .Select(e => Node.Str(e, "valueFrom", "secretKeyRef", "key"));
        var fromStore = chart.OfKind("Deployment")
            .Select(d => d.Str("spec", "template", "metadata", "annotations", "ledgerx.io/secret-keys"))
            .OfType<string>()
            .SelectMany(keys => keys.Split(','));
        var fromComponents = chart.OfKind("Component")
            .SelectMany(c => c.List("spec", "metadata"))
            .Select(m => Node.Str(m, "secretKeyRef", "key"));
        return fromPods.Concat(fromStore).Concat(fromComponents).OfType<string>().Distinct();
    }

    /// <summary>The per-app Dapr token Secrets (templates/dapr-tokens.yaml), which are not the connection-string Secret.</summary>
    internal static bool IsDaprTokenSecret(string? name) =>
        name is not null && (name.EndsWith("-dapr-api-token", StringComparison.Ordinal) || name.EndsWith("-app-api-token", StringComparison.Ordinal));

    internal static string? Env(object container, string name) =>
        Node.Str(Node.List(container, "env").SingleOrDefault(e => Node.Str(e, "name") == name), "value");
}
