namespace LedgerX.Chart.Tests;

/// <summary>auth-service on Kubernetes: its own database from the Secret, its signing keys from Dapr's built-in
/// kubernetes secret store (the development keys of components/secrets.json never reach a cluster).</summary>
public sealed class ChartAuthServiceRender
{
    [Fact]
    public void Auth_service_reads_its_database_from_the_secret_and_its_keys_from_the_kubernetes_secret_store()
    {
        var chart = ChartRenderer.Render("--set", "authService.settings.Auth__Issuer=https://auth.example/");
        var deployment = chart.ForApp("Deployment", "auth-service");
        var container = Node.List(deployment.Map("spec", "template", "spec"), "containers").Single();

        Node.Str(Node.List(container, "env").Single(e => Node.Str(e, "name") == "ConnectionStrings__Auth"), "valueFrom", "secretKeyRef", "key")
            .ShouldBe("auth-connection-string");
        ChartDefaultsRender.Env(container, "Auth__SecretStore").ShouldBe("kubernetes");
        ChartDefaultsRender.Env(container, "Auth__Issuer").ShouldBe("https://auth.example/");
        deployment.Str("spec", "template", "metadata", "annotations", "dapr.io/app-id").ShouldBe("auth-service");
    }
}
