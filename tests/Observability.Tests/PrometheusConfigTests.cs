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
            foreach (var (appId, appPort, metricsPort) in apps)
            {
                appTargets.ShouldContain($"{{\"targets\": [\"127.0.0.1:{appPort}\"], \"labels\": {{\"app_id\": \"{appId}\", \"tier\": \"app\"}}}}");
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

    private static List<(string AppId, int AppPort, int? MetricsPort)> DaprYamlApps()
    {
        var root = RuleFiles.Root(RepositoryRoot.PathOf("dapr.yaml"));
        return ((YamlDotNet.RepresentationModel.YamlSequenceNode)root["apps"]).Children
            .Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .Select(app => (RuleFiles.Text(app, "appID"), int.Parse(RuleFiles.Text(app, "appPort"), System.Globalization.CultureInfo.InvariantCulture),
                app.Children.ContainsKey("metricsPort") ? int.Parse(RuleFiles.Text(app, "metricsPort"), System.Globalization.CultureInfo.InvariantCulture) : (int?)null))
            .ToList();
    }
}
