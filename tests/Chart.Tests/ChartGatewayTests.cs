namespace LedgerX.Chart.Tests;

/// <summary>The gateway in the chart: deployed like every app (ChartDefaultsRender covers annotations, probes, PDB,
/// scopes), told how many replicas share its rate budgets, the only app an Ingress or LoadBalancer may expose.</summary>
public sealed class ChartGateway
{
    [Fact]
    public void Each_replica_knows_how_many_share_the_rate_budgets()
    {
        var chart = ChartRenderer.Render("--set", "gateway.replicaCount=3");
        var container = Node.List(chart.ForApp("Deployment", "gateway").At("spec", "template", "spec", "containers")).Single();

        chart.ForApp("Deployment", "gateway").Str("spec", "replicas").ShouldBe("3");
        ChartDefaultsRender.Env(container, "Gateway__Replicas").ShouldBe("3");
        ChartDefaultsRender.Env(container, "Auth__Issuer").ShouldBe("https://auth.ledgerx.example/");
    }

    [Fact]
    public void Its_metrics_are_on_a_port_of_their_own_that_neither_its_service_nor_the_client_policy_opens()
    {
        var chart = ChartRenderer.Render("--set", "networkPolicy.enabled=true,gateway.service.type=LoadBalancer");
        var container = Node.List(chart.ForApp("Deployment", "gateway").At("spec", "template", "spec", "containers")).Single();
        var ports = Node.List(container, "ports");

        Node.Str(ports.Single(p => Node.Str(p, "name") == "metrics"), "containerPort").ShouldBe("9464");
        Node.Str(ports.Single(p => Node.Str(p, "name") == "http"), "containerPort").ShouldBe("8080");
        ChartDefaultsRender.Env(container, "Gateway__MetricsUrl").ShouldBe("http://+:9464");
        // The Service (here a LoadBalancer, facing clients) forwards the HTTP port only.
        chart.ForApp("Service", "gateway").List("spec", "ports").Select(p => Node.Str(p, "targetPort")).ShouldBe(["http"]);
        // Clients may open the HTTP port; only the monitoring namespace the metrics port.
        var clients = chart.Single("NetworkPolicy", "release-name-ledgerx-gateway-clients");
        Node.List(clients.List("spec", "ingress").Single(), "ports").Select(p => Node.Str(p, "port")).ShouldBe(["http"]);
        var scrapers = chart.Single("NetworkPolicy", "release-name-ledgerx-metrics");
        Node.List(scrapers.List("spec", "ingress").Single(), "ports").Select(p => Node.Str(p, "port")).ShouldContain("metrics");
        Node.Str(scrapers.List("spec", "ingress").Single(), "from", 0, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name").ShouldBe("monitoring");
        // No other app gets a metrics port: theirs is /metrics on the app port, which answers only the sidecar and scrapers.
        foreach (var deployment in chart.OfKind("Deployment").Where(d => d.Str("metadata", "labels", "app.kubernetes.io/component") != "gateway"))
        {
            Node.List(Node.List(deployment.At("spec", "template", "spec", "containers")).Single(), "ports").Select(p => Node.Str(p, "name")).ShouldBe(["http"]);
        }
    }

    [Fact]
    public void By_default_nothing_is_exposed_outside_the_cluster()
    {
        var chart = ChartRenderer.Render();

        chart.OfKind("Ingress").ShouldBeEmpty();
        chart.OfKind("Service").ShouldAllBe(s => s.Str("spec", "type") == "ClusterIP");
    }

    [Fact]
    public void An_ingress_routes_every_path_to_the_gateway_and_only_to_it()
    {
        var chart = ChartRenderer.Render("--set", "gateway.ingress.enabled=true", "--set", "gateway.ingress.host=api.bank.example",
            "--set", "gateway.ingress.tlsSecretName=api-tls", "--set", "gateway.ingress.className=nginx");

        var ingress = chart.OfKind("Ingress").ShouldHaveSingleItem();
        var rule = ingress.List("spec", "rules").ShouldHaveSingleItem();
        Node.Str(rule, "host").ShouldBe("api.bank.example");
        var path = Node.List(rule, "http", "paths").ShouldHaveSingleItem();
        Node.Str(path, "path").ShouldBe("/");
        Node.Str(path, "backend", "service", "name").ShouldBe(chart.ForApp("Service", "gateway").Name);
        ingress.Str("spec", "ingressClassName").ShouldBe("nginx");
        Node.Str(ingress.List("spec", "tls").ShouldHaveSingleItem(), "secretName").ShouldBe("api-tls");
    }

    [Fact]
    public void The_gateway_alone_may_face_clients_as_a_load_balancer()
    {
        var chart = ChartRenderer.Render("--set", "gateway.service.type=LoadBalancer");

        chart.ForApp("Service", "gateway").Str("spec", "type").ShouldBe("LoadBalancer");
        chart.OfKind("Service").Where(s => s.Name != chart.ForApp("Service", "gateway").Name)
            .ShouldAllBe(s => s.Str("spec", "type") == "ClusterIP");
    }

    [Fact]
    public void Without_the_gateway_the_notes_do_not_mention_it()
    {
        var chart = ChartRenderer.Render("--notes", "--set", "gateway.enabled=false");

        chart.OfKind("Deployment").ShouldNotContain(d => d.Str("spec", "template", "metadata", "annotations", "dapr.io/app-id") == "gateway");
        chart.Notes.ShouldNotContain("Clients use the gateway");
    }
}
