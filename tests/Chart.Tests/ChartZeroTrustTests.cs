using System.Text;
using YamlDotNet.Serialization;

namespace LedgerX.Chart.Tests;

/// <summary>
/// Zero trust between apps and sidecars on Kubernetes: mTLS and the same access-control policy as components/config.yaml
/// (in the release's namespace), and per-app Dapr API and app tokens from Secrets, given to both daprd (annotations) and
/// the app (environment).
/// </summary>
public sealed class ChartZeroTrust
{
    private static readonly string[] Apps = ["transaction-service", "fraud-service", "analytics-service", "auth-service", "notification-service", "nlp-service"];

    [Fact]
    public void The_configuration_turns_mtls_on_and_carries_the_local_access_control_in_the_release_namespace()
    {
        var chart = ChartRenderer.Render("--namespace", "ledger-prod");
        var configuration = chart.OfKind("Configuration").ShouldHaveSingleItem();
        var local = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Repository.PathOf("components", "config.yaml")));

        configuration.Str("spec", "mtls", "enabled").ShouldBe("true");
        var localPolicy = Canonical(Node.At(local, "spec", "accessControl")).Replace("namespace:default", "namespace:ledger-prod", StringComparison.Ordinal);
        Canonical(configuration.At("spec", "accessControl")).ShouldBe(localPolicy);
        Node.List(configuration.At("spec", "accessControl", "policies")).Count.ShouldBe(7);
    }

    [Fact]
    public void Every_app_gets_its_own_api_and_app_token_from_secrets_as_daprd_and_the_app_read_them()
    {
        var chart = ChartRenderer.Render();
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (string appId in Apps)
        {
            var deployment = chart.ForApp("Deployment", appId);
            var annotations = deployment.Map("spec", "template", "metadata", "annotations");
            string apiSecret = (string)annotations["dapr.io/api-token-secret"];
            string appSecret = (string)annotations["dapr.io/app-token-secret"];
            apiSecret.ShouldBe($"release-name-ledgerx-{appId}-dapr-api-token");
            appSecret.ShouldBe($"release-name-ledgerx-{appId}-app-api-token");

            var env = Node.List(Node.List(deployment.At("spec", "template", "spec", "containers")).Single(), "env");
            SecretOf(env, "DAPR_API_TOKEN").ShouldBe(apiSecret);
            SecretOf(env, "APP_API_TOKEN").ShouldBe(appSecret);

            foreach (string secret in new[] { apiSecret, appSecret })
            {
                string token = Encoding.UTF8.GetString(Convert.FromBase64String(chart.Single("Secret", secret).Str("data", "token")!));
                token.Length.ShouldBe(64);
                tokens.Add(token).ShouldBeTrue($"{secret} shares its token with another Secret");
            }
        }
    }

    [Fact]
    public void The_gateway_which_clients_call_directly_demands_no_app_token_but_keeps_its_sidecars_api_token()
    {
        var chart = ChartRenderer.Render();
        var gateway = chart.ForApp("Deployment", "gateway");
        var annotations = gateway.Map("spec", "template", "metadata", "annotations");
        var env = Node.List(Node.List(gateway.At("spec", "template", "spec", "containers")).Single(), "env");

        annotations.ContainsKey("dapr.io/app-token-secret").ShouldBeFalse();
        env.ShouldNotContain(e => Node.Str(e, "name") == "APP_API_TOKEN");
        SecretOf(env, "DAPR_API_TOKEN").ShouldBe((string)annotations["dapr.io/api-token-secret"]);
        chart.OfKind("Secret").ShouldNotContain(s => s.Name == "release-name-ledgerx-gateway-app-api-token");
    }

    [Fact]
    public void With_tokens_managed_outside_the_chart_no_token_secret_is_rendered_but_the_pods_still_name_them()
    {
        var chart = ChartRenderer.Render("--set", "dapr.tokens.create=false");

        chart.OfKind("Secret").Where(s => s.Name.EndsWith("-api-token", StringComparison.Ordinal)).ShouldBeEmpty();
        chart.ForApp("Deployment", "fraud-service").Map("spec", "template", "metadata", "annotations")
            .ContainsKey("dapr.io/app-token-secret").ShouldBeTrue();
    }

    [Fact]
    public void The_pubsub_component_carries_the_topic_scopes()
    {
        var metadata = ChartRenderer.Render().Single("Component", "pubsub").List("spec", "metadata");

        string Value(string name) => Node.Str(metadata.Single(m => Node.Str(m, "name") == name), "value")!;
        Value("publishingScopes").ShouldContain("fraud-service=fraud.flagged.v1");
        Value("protectedTopics").ShouldContain("transaction.posted.v1");
        Value("subscriptionScopes").ShouldContain("auth-service=audit.recorded.v1");
    }

    private static string? SecretOf(IReadOnlyList<object> env, string name) =>
        Node.Str(env.Single(e => Node.Str(e, "name") == name), "valueFrom", "secretKeyRef", "name");

    /// <summary>A YAML tree as one string with sorted keys, so two trees compare as values.</summary>
    private static string Canonical(object? node) => node switch
    {
        Dictionary<object, object> map => "{" + string.Join(",", map.OrderBy(e => (string)e.Key, StringComparer.Ordinal)
            .Select(e => $"{e.Key}:{Canonical(e.Value)}")) + "}",
        List<object> list => "[" + string.Join(",", list.Select(Canonical)) + "]",
        _ => node?.ToString() ?? "null",
    };
}
