namespace LedgerX.Chart.Tests;

/// <summary>nlp-service on Kubernetes: its optional model endpoint is read from the cluster's own secret store (the local
/// file store of components/ does not exist there), and it keeps no Dapr state.</summary>
public sealed class ChartNlpService
{
    [Fact]
    public void The_model_secret_is_read_from_the_kubernetes_secret_store()
    {
        var chart = ChartRenderer.Render();
        var container = chart.ForApp("Deployment", "nlp-service").List("spec", "template", "spec", "containers")[0];

        ChartDefaultsRender.Env(container, "Nlp__Model__SecretStore").ShouldBe("kubernetes");
    }

    [Fact]
    public void Without_nlp_service_nothing_of_it_is_rendered()
    {
        var chart = ChartRenderer.Render("--set", "nlpService.enabled=false");

        chart.OfKind("Deployment").Select(d => d.Str("metadata", "labels", "app.kubernetes.io/component")).ShouldNotContain("nlp-service");
    }
}
