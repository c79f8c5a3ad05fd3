namespace LedgerX.Chart.Tests;

/// <summary>charts/ledgerx with values-production.yaml (what deploy/argocd/ applies): Kafka for the event stream,
/// autoscaling, NetworkPolicies, the Prometheus Operator's monitors, traces over OTLP, and every container bounded and
/// probed.</summary>
public sealed class ChartProduction
{
    private static readonly Lazy<RenderedChart> Production = new(() =>
        ChartRenderer.Render("-f", ProductionValues, "--notes", "--name", "ledgerx", "--namespace", "ledgerx"));

    internal static string ProductionValues => Path.Combine(ChartRenderer.ChartDirectory, "values-production.yaml");

    private static RenderedChart Chart => Production.Value;

    private static readonly string[] PubsubScopeFields = ["protectedTopics", "publishingScopes", "subscriptionScopes"];

    [Fact]
    public void The_event_stream_is_kafka_with_credentials_from_the_secret_and_the_same_topic_scopes_as_redis()
    {
        var kafka = Chart.Single("Component", "pubsub");
        var redis = ChartRenderer.Render().Single("Component", "pubsub");

        kafka.Str("spec", "type").ShouldBe("pubsub.kafka");
        Field(kafka, "brokers").ShouldBe("kafka-bootstrap.kafka.svc.cluster.local:9093");
        Field(kafka, "authType").ShouldBe("password");
        Field(kafka, "requiredAcks").ShouldBe("all", "an event the outbox relay saw acknowledged must be on every in-sync replica");
        foreach (var secretField in new[] { "saslUsername", "saslPassword" })
        {
            var entry = kafka.List("spec", "metadata").Single(m => Node.Str(m, "name") == secretField);
            Node.Str(entry, "value").ShouldBeNull($"{secretField} must never sit in values");
            Node.Str(entry, "secretKeyRef", "name").ShouldBe("ledgerx-secrets");
        }
        // Each app's consumer group is its app id, not its namespace's: replicas and a second colour share the partitions.
        Field(kafka, "consumerGroup").ShouldBe("{appID}");
        kafka.List("spec", "metadata").Select(m => Node.Str(m, "name")).ShouldNotContain("consumerID");
        foreach (var field in PubsubScopeFields)
        {
            Field(kafka, field).ShouldBe(Field(redis, field), field);
        }
        kafka.List("scopes").ShouldBe(redis.List("scopes"));
        // The live feed's broadcast stays on Redis: ephemeral, one consumer group per replica.
        Chart.Single("Component", ChartLiveFeed.Component).Str("spec", "type").ShouldBe("pubsub.redis");
    }

    [Fact]
    public void Kafka_over_mtls_takes_the_client_certificate_key_and_ca_from_the_secret()
    {
        var chart = ChartRenderer.Render("-f", ProductionValues, "--set", "dapr.pubsub.kafka.authType=mtls");
        var metadata = chart.Single("Component", "pubsub").List("spec", "metadata");

        Node.Str(metadata.Single(m => Node.Str(m, "name") == "authType"), "value").ShouldBe("mtls");
        metadata.Where(m => Node.At(m, "secretKeyRef") is not null)
            .Select(m => $"{Node.Str(m, "name")}={Node.Str(m, "secretKeyRef", "key")}").Order()
            .ShouldBe(["caCert=kafka-ca-cert", "clientCert=kafka-client-cert", "clientKey=kafka-client-key"]);
        chart.Single("Component", "pubsub").At("auth").ShouldBeNull("with the Kubernetes secret store no auth section is needed");
    }

    [Fact]
    public void Every_app_but_the_gateway_autoscales_and_the_autoscaler_owns_its_replica_count()
    {
        foreach (var deployment in Chart.OfKind("Deployment"))
        {
            var appId = deployment.Str("metadata", "labels", "app.kubernetes.io/component")!;
            if (appId == "gateway")
            {
                deployment.Str("spec", "replicas").ShouldBe("3");
                Chart.OfKind("HorizontalPodAutoscaler").ShouldNotContain(h => h.Str("metadata", "labels", "app.kubernetes.io/component") == "gateway");
                continue;
            }
            var hpa = Chart.ForApp("HorizontalPodAutoscaler", appId);
            hpa.Str("spec", "scaleTargetRef", "kind").ShouldBe("Deployment");
            hpa.Str("spec", "scaleTargetRef", "name").ShouldBe(deployment.Name);
            deployment.At("spec", "replicas").ShouldBeNull($"{appId}: an upgrade must not reset what the autoscaler chose");
            int.Parse(hpa.Str("spec", "minReplicas")!).ShouldBeGreaterThanOrEqualTo(2);
            // Kept for drains: the autoscaler's floor is above one.
            Chart.ForApp("PodDisruptionBudget", appId).Str("spec", "minAvailable").ShouldBe("1");
        }
    }

    [Fact]
    public void The_ledger_scales_for_availability_not_writes_and_says_why()
    {
        var hpa = Chart.ForApp("HorizontalPodAutoscaler", "transaction-service");
        var values = File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "values.yaml"));

        int.Parse(hpa.Str("spec", "maxReplicas")!).ShouldBeLessThanOrEqualTo(4);
        values.ShouldContain("never write throughput: every posting serializes on the ledger's single writer per database");
    }

    [Fact]
    public void The_gateway_refuses_to_autoscale_because_its_rate_budgets_are_per_replica()
    {
        var (exitCode, _, stderr) = ChartRenderer.Run("--set", "gateway.autoscaling.enabled=true");

        exitCode.ShouldBe(1);
        stderr.ShouldContain("gateway.autoscaling is not supported: each gateway replica enforces replicaCount-th of every rate budget");
    }

    [Fact]
    public void Network_policies_deny_by_default_and_let_clients_reach_only_the_gateway()
    {
        var policies = Chart.OfKind("NetworkPolicy").Where(p => p.At("metadata", "namespace") is null).ToList();
        var release = new Dictionary<object, object> { ["app.kubernetes.io/name"] = "ledgerx", ["app.kubernetes.io/instance"] = "ledgerx" };

        var deny = policies.Single(p => p.Name == "ledgerx-default-deny");
        deny.Map("spec", "podSelector", "matchLabels").ShouldBe(release);
        deny.At("spec", "ingress").ShouldBeNull();
        foreach (var deployment in Chart.OfKind("Deployment"))
        {
            var podLabels = deployment.Map("spec", "template", "metadata", "labels");
            release.ShouldAllBe(l => podLabels.ContainsKey(l.Key) && Equals(podLabels[l.Key], l.Value), $"{deployment} escapes the default deny");
        }

        // A rule admitting peers from anywhere outside the release (no podSelector of this release, no monitoring
        // namespace): only the gateway's.
        var open = policies.Where(p => p.List("spec", "ingress").Any(rule => FromOutside(rule))).ToList();
        open.Select(p => p.Str("spec", "podSelector", "matchLabels", "app.kubernetes.io/component")).ShouldBe(["gateway"]);
        var gatewayRule = open.Single().List("spec", "ingress").Single();
        Node.Str(gatewayRule, "ports", 0, "port").ShouldBe("http");
        Node.Str(gatewayRule, "from", 0, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name").ShouldBe("gateway-system");

        // Sidecars talk to sidecars of this release only, on daprd's internal port.
        var sidecars = policies.Single(p => p.Name == "ledgerx-dapr-sidecars").List("spec", "ingress").Single();
        Node.Str(sidecars, "ports", 0, "port").ShouldBe("50002");
        (Node.At(sidecars, "from", 0, "podSelector", "matchLabels") as Dictionary<object, object>).ShouldBe(release);
        // Only the gateway opens notification-service's own port (the live feed).
        var live = policies.Single(p => p.Name == "ledgerx-notification-service-live-feed").List("spec", "ingress").Single();
        Node.Str(live, "from", 0, "podSelector", "matchLabels", "app.kubernetes.io/component").ShouldBe("gateway");
    }

    [Fact]
    public void The_databases_admit_only_apps_that_own_one()
    {
        var chart = ChartRenderer.Render("-f", ProductionValues, "--set", "networkPolicy.database.enabled=true", "--namespace", "ledgerx");
        var policy = chart.OfKind("NetworkPolicy").Single(p => p.At("metadata", "namespace") is not null);

        policy.Str("metadata", "namespace").ShouldBe("postgres");
        policy.Str("spec", "podSelector", "matchLabels", "app.kubernetes.io/name").ShouldBe("postgresql");
        var from = policy.List("spec", "ingress").Single();
        Node.Str(from, "from", 0, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name").ShouldBe("ledgerx");
        Node.List(from, "from", 0, "podSelector", "matchExpressions", 0, "values").Cast<string>().Order()
            .ShouldBe(ChartDefaultsRender.DaprApps.Value.Where(a => a.Value.Length > 0).Select(a => a.Key).Order(),
                "the apps that read a connection string from the secret store, and not the gateway");
        Node.Str(from, "ports", 0, "port").ShouldBe("5432");
    }

    [Fact]
    public void Prometheus_scrapes_every_app_and_every_sidecar()
    {
        foreach (var service in Chart.OfKind("Service").Where(s => s.Str("metadata", "labels", "app.kubernetes.io/component") != "gateway"))
        {
            var appId = service.Str("metadata", "labels", "app.kubernetes.io/component")!;
            var monitor = Chart.ForApp("ServiceMonitor", appId);
            monitor.Map("spec", "selector", "matchLabels").ShouldBe(service.Map("spec", "selector"));
            Node.Str(monitor.List("spec", "endpoints").Single(), "port").ShouldBe("http");
            Node.Str(monitor.List("spec", "endpoints").Single(), "path").ShouldBe("/metrics");
            // observability/'s rules and dashboards select on app_id and tier, never on job.
            var relabel = Node.List(monitor.List("spec", "endpoints").Single(), "relabelings");
            Node.Str(relabel.Single(r => Node.Str(r, "targetLabel") == "app_id"), "replacement").ShouldBe(appId);
            Node.Str(relabel.Single(r => Node.Str(r, "targetLabel") == "tier"), "replacement").ShouldBe("app");
        }
        // The gateway's own metrics are on its pods' "metrics" port, not its Service (ChartGateway).
        Chart.OfKind("ServiceMonitor").ShouldNotContain(m => m.Str("metadata", "labels", "app.kubernetes.io/component") == "gateway");
        var gateway = Node.List(Chart.ForApp("PodMonitor", "gateway").At("spec", "podMetricsEndpoints")).ShouldHaveSingleItem();
        Node.Str(gateway, "port").ShouldBe("metrics");
        Node.Str(gateway, "path").ShouldBe("/metrics");
        Node.Str(Node.List(gateway, "relabelings").Single(r => Node.Str(r, "targetLabel") == "tier"), "replacement").ShouldBe("app");
        var sidecars = Chart.OfKind("PodMonitor").Where(m => m.Str("metadata", "labels", "app.kubernetes.io/component") is null).ShouldHaveSingleItem();
        var endpoint = sidecars.List("spec", "podMetricsEndpoints").Single();
        Node.Str(endpoint, "port").ShouldBe("dapr-metrics");
        var sidecarRelabel = Node.List(endpoint, "relabelings");
        Node.List(sidecarRelabel.Single(r => Node.Str(r, "targetLabel") == "app_id"), "sourceLabels")
            .ShouldBe(["__meta_kubernetes_pod_annotation_dapr_io_app_id"], "the dapr.io/app-id annotation every pod carries");
        Node.Str(sidecarRelabel.Single(r => Node.Str(r, "targetLabel") == "tier"), "replacement").ShouldBe("sidecar");
        sidecars.Map("spec", "selector", "matchLabels")
            .ShouldBe(new Dictionary<object, object> { ["app.kubernetes.io/name"] = "ledgerx", ["app.kubernetes.io/instance"] = "ledgerx" });
    }

    [Fact]
    public void Sidecars_trace_everything_to_zipkin_and_otlp_with_mtls_on()
    {
        var configuration = Chart.OfKind("Configuration").ShouldHaveSingleItem();

        configuration.Str("spec", "tracing", "samplingRate").ShouldBe("1");
        configuration.Str("spec", "tracing", "zipkin", "endpointAddress").ShouldNotBeNullOrEmpty();
        configuration.Str("spec", "tracing", "otel", "endpointAddress").ShouldBe("otel-collector.observability.svc.cluster.local:4317");
        configuration.Str("spec", "tracing", "otel", "protocol").ShouldBe("grpc");
        configuration.Str("spec", "mtls", "enabled").ShouldBe("true");
        configuration.Str("spec", "accessControl", "defaultAction").ShouldBe("deny");
        ChartRenderer.Render().Single("Configuration", "ledgerx-config").At("spec", "tracing", "otel").ShouldBeNull("no OTLP endpoint, no exporter");
    }

    [Fact]
    public void Every_container_has_requests_a_memory_limit_and_the_app_containers_probes()
    {
        foreach (var deployment in Chart.OfKind("Deployment"))
        {
            var pod = deployment.At("spec", "template", "spec");
            foreach (var container in Node.List(pod, "containers").Concat(Node.List(pod, "initContainers")))
            {
                var name = $"{deployment.Name}/{Node.Str(container, "name")}";
                Node.Str(container, "resources", "requests", "cpu").ShouldNotBeNullOrEmpty(name);
                Node.Str(container, "resources", "requests", "memory").ShouldNotBeNullOrEmpty(name);
                Node.Str(container, "resources", "limits", "memory").ShouldNotBeNullOrEmpty(name);
            }
            foreach (var container in Node.List(pod, "containers"))
            {
                foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
                {
                    Node.At(container, probe, "httpGet").ShouldNotBeNull($"{deployment.Name}: {probe}");
                }
            }
        }
    }

    [Fact]
    public void With_vault_every_component_reads_its_secrets_from_it_and_the_services_are_told_its_name()
    {
        var chart = ChartRenderer.Render("-f", ProductionValues, "--set", "dapr.secretStore.type=vault");
        var vault = chart.Single("Component", "vault");

        vault.Str("spec", "type").ShouldBe("secretstores.hashicorp.vault");
        Node.Str(vault.List("spec", "metadata").Single(m => Node.Str(m, "name") == "vaultToken"), "secretKeyRef", "key").ShouldBe("vault-token");
        vault.At("auth").ShouldBeNull("a secret store's own references come from the built-in kubernetes store");
        foreach (var component in chart.OfKind("Component").Where(c => c.Name != "vault"))
        {
            if (component.List("spec", "metadata").Any(m => Node.At(m, "secretKeyRef") is not null))
            {
                component.Str("auth", "secretStore").ShouldBe("vault", component.ToString());
            }
        }
        foreach (var (appId, variable) in new[] { ("auth-service", "Auth__SecretStore"), ("fraud-service", "Fraud__ServiceToken__SecretStore"), ("nlp-service", "Nlp__Model__SecretStore") })
        {
            var container = Node.List(chart.ForApp("Deployment", appId).At("spec", "template", "spec", "containers")).Single();
            ChartDefaultsRender.Env(container, variable).ShouldBe("vault");
            ChartDefaultsRender.Env(ProductionContainer(appId), variable).ShouldBe("kubernetes");
        }
    }

    [Fact]
    public void A_created_secret_holds_the_kafka_and_vault_keys_the_components_read()
    {
        var chart = ChartRenderer.Render("-f", ProductionValues, "--set", "dapr.secretStore.type=vault,secrets.create=true,secrets.ledgerConnectionString=l," +
            "secrets.ledgerMigrationsConnectionString=o,secrets.fraudConnectionString=f,secrets.analyticsConnectionString=a,secrets.authConnectionString=u," +
            "secrets.notificationsConnectionString=n,secrets.nlpConnectionString=q,secrets.statestoreConnectionString=s,secrets.redisPassword=r," +
            "secrets.kafkaSaslUsername=ku,secrets.kafkaSaslPassword=kp,secrets.vaultToken=vt,secrets.notificationsKeyringCertificate=nk,secrets.nlpKeyringCertificate=qk");

        chart.Single("Secret", "ledgerx-secrets").Map("stringData").Keys.Cast<string>().Order()
            .ShouldBe(ChartDefaultsRender.SecretKeysReferenced(chart).Order());
        var readme = File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "README.md"));
        foreach (var key in new[] { "kafka-sasl-username", "kafka-sasl-password", "vault-token" })
        {
            readme.ShouldContain($"`{key}`");
        }
    }

    [Theory]
    [InlineData("dapr.pubsub.type=nats", "dapr.pubsub.type must be redis or kafka, not \"nats\"", "dapr-components.yaml")]
    [InlineData("dapr.pubsub.type=kafka,dapr.pubsub.kafka.authType=oidc", "dapr.pubsub.kafka.authType must be none, password or mtls", "dapr-components.yaml")]
    [InlineData("dapr.pubsub.type=kafka,dapr.pubsub.kafka.brokers=", "dapr.pubsub.kafka.brokers is required when dapr.pubsub.type is kafka", "dapr-components.yaml")]
    [InlineData("dapr.secretStore.type=aws", "dapr.secretStore.type must be kubernetes or vault, not \"aws\"", "_helpers.tpl")]
    [InlineData("transactionService.autoscaling.enabled=true,transactionService.autoscaling.maxReplicas=1", "transactionService.autoscaling.maxReplicas (1) is below minReplicas (2)", "hpa.yaml")]
    public void A_wrong_production_value_fails_the_render_naming_it(string set, string message, string template)
    {
        var (exitCode, stdout, stderr) = ChartRenderer.Run("--set", set);

        exitCode.ShouldBe(1, stdout);
        stderr.ShouldContain(message);
        stderr.ShouldContain($"ledgerx/templates/{template}:");
    }

    private static object ProductionContainer(string appId) =>
        Node.List(Chart.ForApp("Deployment", appId).At("spec", "template", "spec", "containers")).Single();

    private static string? Field(Manifest component, string name) =>
        Node.Str(component.List("spec", "metadata").Single(m => Node.Str(m, "name") == name), "value");

    /// <summary>An ingress rule that admits peers other than this release's pods or the monitoring namespace.</summary>
    private static bool FromOutside(object rule)
    {
        var from = Node.List(rule, "from");
        return from.Count == 0 || from.Any(peer =>
            Node.At(peer, "podSelector") is null
            && Node.Str(peer, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") != "monitoring");
    }
}
