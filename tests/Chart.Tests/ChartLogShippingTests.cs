namespace LedgerX.Chart.Tests;

/// <summary>
/// charts/ledgerx ships the apps' logs by OTLP when <c>observability.otlp.endpoint</c> names a collector: every app gets
/// the standard OpenTelemetry variables its SDK reads; without one, the sidecars' collector (<c>dapr.tracing.otlp</c>)
/// if set, else none (stdout only).
/// </summary>
public sealed class ChartLogShipping
{
    [Theory]
    [MemberData(nameof(ChartDefaultsRender.AppIds), MemberType = typeof(ChartDefaultsRender))]
    public void An_endpoint_in_values_reaches_every_app_with_its_protocol(string appId)
    {
        var chart = ChartRenderer.Render("--set", "observability.otlp.endpoint=http://collector.observability:4318,observability.otlp.protocol=http/protobuf");

        var container = Node.List(chart.ForApp("Deployment", appId).At("spec", "template", "spec", "containers")).Single();
        ChartDefaultsRender.Env(container, "OTEL_EXPORTER_OTLP_ENDPOINT").ShouldBe("http://collector.observability:4318");
        ChartDefaultsRender.Env(container, "OTEL_EXPORTER_OTLP_PROTOCOL").ShouldBe("http/protobuf");
    }

    [Fact]
    public void Without_an_endpoint_of_their_own_the_apps_export_to_the_sidecars_collector_and_one_of_their_own_wins()
    {
        var sidecars = ChartRenderer.Render("--set", "dapr.tracing.otlp.endpoint=collector.observability:4318,dapr.tracing.otlp.protocol=http,dapr.tracing.otlp.isSecure=true");
        var own = ChartRenderer.Render("--set", "dapr.tracing.otlp.endpoint=collector.observability:4317,observability.otlp.endpoint=http://logs-collector:4317");

        foreach (var container in Containers(sidecars))
        {
            ChartDefaultsRender.Env(container, "OTEL_EXPORTER_OTLP_ENDPOINT").ShouldBe("https://collector.observability:4318");
            ChartDefaultsRender.Env(container, "OTEL_EXPORTER_OTLP_PROTOCOL").ShouldBe("http/protobuf");
        }

        foreach (var container in Containers(own))
        {
            // One variable each: a second one of the same name would silently win in Kubernetes.
            Node.List(container, "env").Count(e => Node.Str(e, "name") == "OTEL_EXPORTER_OTLP_ENDPOINT").ShouldBe(1);
            ChartDefaultsRender.Env(container, "OTEL_EXPORTER_OTLP_ENDPOINT").ShouldBe("http://logs-collector:4317");
            ChartDefaultsRender.Env(container, "OTEL_EXPORTER_OTLP_PROTOCOL").ShouldBe("grpc");
        }
    }

    [Fact]
    public void By_default_no_app_exports_and_production_values_export_to_the_collector_over_grpc()
    {
        foreach (var container in Containers(ChartRenderer.Render()))
        {
            Node.List(container, "env").ShouldNotContain(e => Node.Str(e, "name")!.StartsWith("OTEL_EXPORTER_OTLP", StringComparison.Ordinal));
        }

        foreach (var container in Containers(ChartRenderer.Render("-f", ChartProduction.ProductionValues)))
        {
            ChartDefaultsRender.Env(container, "OTEL_EXPORTER_OTLP_ENDPOINT").ShouldBe("http://otel-collector.observability.svc.cluster.local:4317");
            ChartDefaultsRender.Env(container, "OTEL_EXPORTER_OTLP_PROTOCOL").ShouldBe("grpc");
        }
    }

    private static IEnumerable<object> Containers(RenderedChart chart) =>
        chart.OfKind("Deployment").Select(d => Node.List(d.At("spec", "template", "spec", "containers")).Single());
}
