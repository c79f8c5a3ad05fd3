namespace LedgerX.Chart.Tests;

/// <summary>auth-service on Kubernetes: its own database from the Secret through the secret store, its signing keys from Dapr's built-in
/// kubernetes secret store (the development keys of components/secrets.json never reach a cluster).</summary>
public sealed class ChartAuthServiceRender
{
    [Fact]
    public void Auth_service_reads_its_database_and_its_keys_from_the_kubernetes_secret_store()
    {
        var chart = ChartRenderer.Render("--set", "auth.issuer=https://auth.example/");
        var deployment = chart.ForApp("Deployment", "auth-service");
        var container = Node.List(deployment.Map("spec", "template", "spec"), "containers").Single();

        deployment.Str("spec", "template", "metadata", "annotations", "ledgerx.io/secret-keys").ShouldBe("auth-connection-string");
        ChartDefaultsRender.Env(container, "SecretStore__Name").ShouldBe("kubernetes");
        ChartDefaultsRender.Env(container, "Auth__SecretStore").ShouldBe("kubernetes");
        // auth-service issues with the issuer the other services accept: one value, auth.issuer, for all of them.
        foreach (var app in chart.OfKind("Deployment"))
        {
            ChartDefaultsRender.Env(Node.List(app.Map("spec", "template", "spec"), "containers").Single(), "Auth__Issuer")
                .ShouldBe("https://auth.example/", app.Name);
        }
        deployment.Str("spec", "template", "metadata", "annotations", "dapr.io/app-id").ShouldBe("auth-service");
    }
}
