using LedgerX.Testing;

namespace LedgerX.Observability.Tests;

public sealed class PrometheusConfigTests
{
    [Fact]
    public void PassesPromtoolCheckConfig_WithTheTargetsGeneratedFromDaprYaml()
    {
        // As observe-servers.sh lays it out: the config, its rules, and the file_sd targets targets.sh writes.
        string dir = Directory.CreateTempSubdirectory("observability-config-").FullName;
        try
        {
            File.Copy(Path.Combine(PrometheusTools.PrometheusDirectory, "prometheus.yml"), Path.Combine(dir, "prometheus.yml"));
            Directory.CreateSymbolicLink(Path.Combine(dir, "rules"), Path.Combine(PrometheusTools.PrometheusDirectory, "rules"));
            var (targetsExit, targetsOutput) = PrometheusTools.Run(Path.Combine(PrometheusTools.ObservabilityDirectory, "targets.sh"), [Path.Combine(dir, "targets")]);
            targetsExit.ShouldBe(0, targetsOutput);

            var (exit, output) = PrometheusTools.Run(PromtoolPath(), ["check", "config", "prometheus.yml"], dir);

            exit.ShouldBe(0, output);
            output.ShouldNotContain("WARNING", customMessage: output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TargetsName_EveryAppAndSidecarOfDaprYaml_WithItsPorts()
    {
        string dir = Directory.CreateTempSubdirectory("observability-targets-").FullName;
        try
        {
            var (exit, output) = PrometheusTools.Run(Path.Combine(PrometheusTools.ObservabilityDirectory, "targets.sh"), [dir, "127.0.0.1:9093"]);
            exit.ShouldBe(0, output);

            var apps = DaprYamlApps();
            apps.Count.ShouldBeGreaterThan(0);
            string appTargets = File.ReadAllText(Path.Combine(dir, "apps.json"));
            string sidecarTargets = File.ReadAllText(Path.Combine(dir, "sidecars.json"));
            foreach (var (appId, appPort, metricsPort, ownMetricsPort) in apps)
            {
                // An app's own /metrics is on its app port, unless it names a management listener (the gateway).
                appTargets.ShouldContain($"{{\"targets\": [\"127.0.0.1:{ownMetricsPort ?? appPort}\"], \"labels\": {{\"app_id\": \"{appId}\", \"tier\": \"app\"}}}}");
                metricsPort.ShouldNotBeNull($"{appId} has no metricsPort in dapr.yaml: its sidecar could not be scraped");
                sidecarTargets.ShouldContain($"{{\"targets\": [\"127.0.0.1:{metricsPort}\"], \"labels\": {{\"app_id\": \"{appId}\", \"tier\": \"sidecar\"}}}}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AlertmanagerConfig_PassesAmtoolCheckConfig()
    {
        var (exit, output) = PrometheusTools.Amtool("check-config", Path.Combine(PrometheusTools.ObservabilityDirectory, "alertmanager", "alertmanager.yml"));

        exit.ShouldBe(0, output);
        output.ShouldContain("SUCCESS");
    }

    private static string PromtoolPath() => File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";

    [Fact]
    public void TheGatewayIsScrapedOnItsManagementPort_NeverOnThePublicOne()
    {
        string dir = Directory.CreateTempSubdirectory("observability-targets-").FullName;
        try
        {
            var (exit, output) = PrometheusTools.Run(Path.Combine(PrometheusTools.ObservabilityDirectory, "targets.sh"), [dir, "127.0.0.1:9093"]);
            exit.ShouldBe(0, output);

            var gateway = DaprYamlApps().Single(a => a.AppId == "gateway");
            gateway.OwnMetricsPort.ShouldNotBeNull("dapr.yaml gives the gateway a Gateway__MetricsUrl");
            gateway.OwnMetricsPort.ShouldNotBe(gateway.AppPort);
            File.ReadAllText(Path.Combine(dir, "apps.json")).ShouldNotContain($"127.0.0.1:{gateway.AppPort}\"");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<(string AppId, int AppPort, int? MetricsPort, int? OwnMetricsPort)> DaprYamlApps()
    {
        var root = RuleFiles.Root(RepositoryRoot.PathOf("dapr.yaml"));
        return ((YamlDotNet.RepresentationModel.YamlSequenceNode)root["apps"]).Children
            .Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .Select(app => (RuleFiles.Text(app, "appID"), int.Parse(RuleFiles.Text(app, "appPort"), System.Globalization.CultureInfo.InvariantCulture),
                app.Children.ContainsKey("metricsPort") ? int.Parse(RuleFiles.Text(app, "metricsPort"), System.Globalization.CultureInfo.InvariantCulture) : (int?)null,
                OwnMetricsPort(app)))
            .ToList();
    }

    /// <summary>The port of an env setting <c>&lt;Section&gt;__MetricsUrl</c> (the gateway's management listener), if any.</summary>
    private static int? OwnMetricsPort(YamlDotNet.RepresentationModel.YamlMappingNode app)
    {
        if (!app.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("env"), out var env))
        {
            return null;
        }

        var url = ((YamlDotNet.RepresentationModel.YamlMappingNode)env).Children
            .Where(kv => ((YamlDotNet.RepresentationModel.YamlScalarNode)kv.Key).Value!.EndsWith("__MetricsUrl", StringComparison.Ordinal))
            .Select(kv => ((YamlDotNet.RepresentationModel.YamlScalarNode)kv.Value).Value)
            .SingleOrDefault();
        return url is null ? null : new Uri(url).Port;
    }
}
