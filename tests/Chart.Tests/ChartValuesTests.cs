namespace LedgerX.Chart.Tests;

/// <summary>charts/ledgerx rendered with values users set: what they change shows up, what they turn off goes,
/// and a missing required value stops the render with a message naming it.</summary>
public sealed class ChartValuesRender
{
    private static readonly Lazy<RenderedChart> Changed = new(() =>
        ChartRenderer.Render("-f", Path.Combine(AppContext.BaseDirectory, "values", "everything-changed.yaml"), "--name", "prod", "-n", "ledgerx"));

    [Fact]
    public void Disabling_fraud_and_analytics_leaves_transaction_service_alone_in_workloads_and_scopes()
    {
        var chart = ChartRenderer.Render("--set", "fraudService.enabled=false,analyticsService.enabled=false,authService.enabled=false,notificationService.enabled=false,nlpService.enabled=false,gateway.enabled=false", "--notes");

        foreach (var kind in new[] { "Deployment", "Service", "PodDisruptionBudget" })
        {
            chart.OfKind(kind).Select(m => m.Str("metadata", "labels", "app.kubernetes.io/component"))
                .ShouldBe(["transaction-service"], kind);
        }
        foreach (var component in chart.OfKind("Component").Where(c => !ChartNotifyComponents.IsNotify(c) && c.Name != ChartLiveFeed.Component))
        {
            component.List("scopes").ShouldBe(["transaction-service"]);
        }
        ChartDefaultsRender.SecretKeysReferenced(chart).ShouldNotContain("fraud-connection-string");
        chart.Notes.ShouldNotContain("fraud");
        chart.Notes.ShouldNotContain("analytics");
    }

    [Fact]
    public void A_values_file_changes_ports_images_settings_scheduling_and_scopes()
    {
        var chart = Changed.Value;
        var ledger = chart.ForApp("Deployment", "transaction-service");
        var ledgerContainer = ledger.List("spec", "template", "spec", "containers").Single();
        var fraudContainer = chart.ForApp("Deployment", "fraud-service").List("spec", "template", "spec", "containers").Single();

        ledger.Name.ShouldBe("prod-ledgerx-transaction-service");
        ledger.Str("spec", "replicas").ShouldBe("3");
        ledger.Str("spec", "template", "metadata", "annotations", "dapr.io/app-port").ShouldBe("9090");
        Node.Str(ledgerContainer, "ports", 0, "containerPort").ShouldBe("9090");
        ChartDefaultsRender.Env(ledgerContainer, "ASPNETCORE_HTTP_PORTS").ShouldBe("9090");
        Node.Str(ledgerContainer, "image").ShouldBe("registry.example.com/ledgerx/transaction-service:1.2.3");
        ChartDefaultsRender.Env(ledgerContainer, "Ledger__MaxBatchSize").ShouldBe("500");
        ChartDefaultsRender.Env(ledgerContainer, "ZIPKIN_ENDPOINT").ShouldBe("http://zipkin.observability:9411/api/v2/spans");
        ledger.Str("spec", "template", "spec", "nodeSelector", "kubernetes.io/os").ShouldBe("linux");

        Node.Str(fraudContainer, "image").ShouldBe("ledgerx/fraud-service:0.1.0");
        ChartDefaultsRender.Env(fraudContainer, "Fraud__HighScorePolicy").ShouldBe("freeze");
        ChartDefaultsRender.Env(fraudContainer, "Fraud__AlertThreshold").ShouldBe("40");
        foreach (var container in new[] { ledgerContainer, fraudContainer })
        {
            ChartDefaultsRender.Env(container, "Auth__Issuer").ShouldBe("https://auth.prod.example.com/");
            ChartDefaultsRender.Env(container, "Auth__AppId").ShouldBe("auth-prod");
        }
        chart.ForApp("Deployment", "fraud-service").List("spec", "template", "spec", "tolerations").ShouldHaveSingleItem();

        chart.OfKind("Deployment").Count().ShouldBe(2);
        chart.OfKind("PodDisruptionBudget").Select(p => p.Name).ShouldBe(["prod-ledgerx-transaction-service"], "one fraud replica: no PDB");
        chart.OfKind("Resiliency").ShouldBeEmpty();
        foreach (var component in chart.OfKind("Component").Where(c => !ChartNotifyComponents.IsNotify(c) && c.Name != ChartLiveFeed.Component))
        {
            component.List("scopes").ShouldBe(["transaction-service", "fraud-service", "gateway-service"]);
        }
        Node.List(chart.Single("Component", "pubsub").At("spec", "metadata")).Select(m => Node.Str(m, "name")).ShouldNotContain("redisPassword");
    }

    [Fact]
    public void Created_secret_holds_exactly_the_keys_the_pods_and_components_read()
    {
        var chart = Changed.Value;
        var secret = chart.Single("Secret", "ledgerx-prod");

        secret.Map("stringData").Keys.Cast<string>().Order()
            .ShouldBe(ChartDefaultsRender.SecretKeysReferenced(chart).Order());
        var references = chart.OfKind("Deployment")
            .SelectMany(d => d.List("spec", "template", "spec", "containers"))
            .SelectMany(c => Node.List(c, "env"))
            .Select(e => Node.Str(e, "valueFrom", "secretKeyRef", "name"))
            .Where(name => !ChartDefaultsRender.IsDaprTokenSecret(name))
            .Concat(chart.OfKind("Component").SelectMany(c => c.List("spec", "metadata")).Select(m => Node.Str(m, "secretKeyRef", "name")))
            .OfType<string>().Distinct();
        references.ShouldBe(["ledgerx-prod"]);
        foreach (var deployment in chart.OfKind("Deployment"))
        {
            deployment.Str("spec", "template", "metadata", "annotations", "checksum/secret").ShouldNotBeNullOrEmpty();
        }
    }

    [Fact]
    public void Created_secret_with_every_app_and_redis_holds_every_key_read()
    {
        var chart = ChartRenderer.Render("--set", "secrets.create=true,secrets.ledgerConnectionString=l,secrets.fraudConnectionString=f," +
            "secrets.analyticsConnectionString=a,secrets.authConnectionString=u,secrets.notificationsConnectionString=n,secrets.nlpConnectionString=q,secrets.statestoreConnectionString=s,secrets.redisPassword=r," +
            "secrets.notificationsKeyringCertificate=nk,secrets.nlpKeyringCertificate=qk," +
            "dapr.notify.email.credentialsFromSecret=true,dapr.notify.sms.tokenFromSecret=true,dapr.notify.push.tokenFromSecret=true," +
            "secrets.notifySmtpUser=su,secrets.notifySmtpPassword=sp,secrets.notifySmsToken=st,secrets.notifyPushToken=pt");

        chart.Single("Secret", "ledgerx-secrets").Map("stringData").Keys.Cast<string>().Order()
            .ShouldBe(ChartDefaultsRender.SecretKeysReferenced(chart).Order());
    }

    [Theory]
    [InlineData("--name", "ledgerx")]
    [InlineData("--name", "a-release-name-of-fifty-three-characters-helms-limit")]
    [InlineData("--set", "fullnameOverride=an-override-of-sixty-three-characters-which-kubernetes-allows-x")]
    [InlineData("--set", "fullnameOverride=an-override-of-sixty-three-characters-which-kubernetes-allows-x,colour=blue,blueGreen.routeNamespace=route," +
        "networkPolicy.enabled=true,networkPolicy.database.enabled=true,monitoring.serviceMonitors.enabled=true,monitoring.prometheusRules.enabled=true," +
        "monitoring.dashboards.enabled=true,transactionService.autoscaling.enabled=true,dapr.secretStore.type=vault")]
    public void Names_and_labels_are_valid_and_distinct_for_any_release_name(string option, string value)
    {
        var chart = ChartRenderer.Render(option, value);

        foreach (var manifest in chart.Manifests)
        {
            DnsLabel.IsMatch(manifest.Name).ShouldBeTrue($"{manifest}: not a DNS label of at most 63 characters");
            foreach (var labels in new[] { manifest.Map("metadata", "labels"), manifest.Map("spec", "template", "metadata", "labels") })
            {
                foreach (var (key, label) in labels)
                {
                    LabelValue.IsMatch((string)label).ShouldBeTrue($"{manifest}: label {key}={label} is not a valid label value");
                }
            }
        }
        chart.Manifests.GroupBy(m => (m.Kind, m.Name)).Where(g => g.Count() > 1).Select(g => g.Key.ToString())
            .ShouldBeEmpty("two objects of the same kind and name overwrite each other");
        chart.OfKind("Deployment").Select(d => d.Name).ShouldAllBe(name => name.EndsWith("-service", StringComparison.Ordinal) || name.EndsWith("-gateway", StringComparison.Ordinal));
    }

    private static readonly System.Text.RegularExpressions.Regex DnsLabel = new("^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    private static readonly System.Text.RegularExpressions.Regex LabelValue = new("^(?=.{0,63}$)([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$");

    [Fact]
    public void Kubernetes_older_than_the_charts_kube_version_is_refused()
    {
        var (exitCode, _, stderr) = ChartRenderer.Run("--kube-version", "1.26.3");

        exitCode.ShouldBe(1);
        stderr.ShouldContain("chart requires kubeVersion: >=1.27.0-0 which is incompatible with Kubernetes 1.26.3");
    }

    [Theory]
    [InlineData("dapr.pubsub.redisHost=", "dapr.pubsub.redisHost is required", "dapr-components.yaml")]
    [InlineData("secrets.name=", "secrets.name is required", "_helpers.tpl")]
    [InlineData("fraudService.image.repository=", "fraudService.image.repository is required", "deployment.yaml")]
    [InlineData("secrets.create=true,secrets.ledgerConnectionString=l,secrets.statestoreConnectionString=s,secrets.redisPassword=r,secrets.analyticsConnectionString=a",
        "secrets.fraudConnectionString is required when secrets.create is true", "secret.yaml")]
    [InlineData("dapr.scopes={transaction-service}", "dapr.scopes is no longer read", "_helpers.tpl")]
    [InlineData("dapr.notify.email.host=", "dapr.notify.email.host is required", "dapr-components.yaml")]
    [InlineData("dapr.notify.push.url=", "dapr.notify.push.url is required", "dapr-components.yaml")]
    [InlineData("auth.issuer=", "auth.issuer is required: the public URL of auth-service with its trailing slash", "deployment.yaml")]
    [InlineData("auth.issuer=null", "auth.issuer is required", "deployment.yaml")]
    [InlineData("auth.issuer=,fraudService.enabled=false,analyticsService.enabled=false,authService.enabled=false", "auth.issuer is required", "deployment.yaml")]
    public void Missing_or_retired_value_fails_the_render_naming_the_value_and_template(string set, string message, string template)
    {
        var (exitCode, stdout, stderr) = ChartRenderer.Run("--set", set);

        exitCode.ShouldBe(1, stdout);
        stderr.ShouldContain(message);
        stderr.ShouldContain($"ledgerx/templates/{template}:");
    }
}
