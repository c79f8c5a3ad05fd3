namespace LedgerX.Chart.Tests;

/// <summary>The chart's PrometheusRules and dashboard ConfigMaps come from files/ (Helm reads nothing outside the chart),
/// which are copies of observability/'s rule files and dashboards, kept equal here as the component twins are.</summary>
public sealed partial class ChartMonitoringFiles
{
    private static string ChartFiles(string kind) => Path.Combine(ChartRenderer.ChartDirectory, "files", kind);

    /// <summary>observability/prometheus/rules/*.yml and every dashboard under observability/grafana/, by file name.</summary>
    private static Dictionary<string, string> Originals(string kind)
    {
        var (dir, pattern) = kind == "rules"
            ? (Repository.PathOf("observability", "prometheus", "rules"), "*.yml")
            : (Repository.PathOf("observability", "grafana"), "*.json");
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir, pattern, SearchOption.AllDirectories).ToDictionary(f => Path.GetFileName(f), f => f)
            : [];
    }

    private static string[] Copies(string kind, string pattern) =>
        Directory.Exists(ChartFiles(kind)) ? Directory.GetFiles(ChartFiles(kind), pattern) : [];

    [Theory]
    [InlineData("rules", "*.yml")]
    [InlineData("dashboards", "*.json")]
    public void The_charts_copies_equal_the_observability_originals(string kind, string pattern)
    {
        var originals = Originals(kind);
        var copies = Copies(kind, pattern);

        copies.Select(f => Path.GetFileName(f)).Order().ShouldBe(originals.Keys.Order(),
            $"charts/ledgerx/files/{kind}/ must hold a copy of each of observability/'s {kind} and nothing else (cp them over)");
        foreach (var copy in copies)
        {
            File.ReadAllText(copy).ShouldBe(File.ReadAllText(originals[Path.GetFileName(copy)]), $"{copy} differs from its original");
        }
    }

    [Fact]
    public void The_production_release_has_one_prometheus_rule_per_rule_file_and_one_config_map_per_dashboard()
    {
        var chart = ChartRenderer.Render("-f", ChartProduction.ProductionValues);

        chart.OfKind("PrometheusRule").Count().ShouldBe(Copies("rules", "*.yml").Length);
        chart.OfKind("ConfigMap").Count(c => c.Str("metadata", "labels", "grafana_dashboard") == "1").ShouldBe(Copies("dashboards", "*.json").Length);
    }

    [Fact]
    public void The_labels_the_rules_and_dashboards_select_on_are_those_the_monitors_give()
    {
        var chart = ChartRenderer.Render("-f", ChartProduction.ProductionValues);
        var tiers = chart.OfKind("ServiceMonitor").SelectMany(m => m.List("spec", "endpoints"))
            .Concat(chart.OfKind("PodMonitor").SelectMany(m => m.List("spec", "podMetricsEndpoints")))
            .SelectMany(e => Node.List(e, "relabelings")).Where(r => Node.Str(r, "targetLabel") == "tier")
            .Select(r => Node.Str(r, "replacement")!).ToHashSet();
        var text = string.Concat(Copies("rules", "*.yml").Concat(Copies("dashboards", "*.json")).Select(File.ReadAllText));

        tiers.ShouldBe(["app", "sidecar"], ignoreOrder: true);
        foreach (System.Text.RegularExpressions.Match used in TierSelector().Matches(text))
        {
            used.Groups[1].Value.Split('|').ShouldAllBe(tier => tiers.Contains(tier), used.Value);
        }
        foreach (System.Text.RegularExpressions.Match used in AppIdSelector().Matches(text))
        {
            ChartDefaultsRender.DaprApps.Value.Keys.ShouldContain(used.Groups[1].Value, used.Value);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"tier=~?\\?""([a-z|]+)\\?""")]
    private static partial System.Text.RegularExpressions.Regex TierSelector();

    [System.Text.RegularExpressions.GeneratedRegex(@"app_id=\\?""([a-z-]+)\\?""")]
    private static partial System.Text.RegularExpressions.Regex AppIdSelector();

    [Fact]
    public void A_rule_file_becomes_a_prometheus_rule_with_its_groups_and_a_dashboard_a_labelled_config_map()
    {
        var chart = CopyOfTheChart();
        try
        {
            Directory.CreateDirectory(Path.Combine(chart, "files", "rules"));
            Directory.CreateDirectory(Path.Combine(chart, "files", "dashboards"));
            const string rules = """
                groups:
                  - name: ledgerx-availability
                    rules:
                      - alert: LedgerXServiceDown
                        expr: up{job=~"ledgerx-.*"} == 0
                        for: 2m
                        labels:
                          severity: page
                        annotations:
                          runbook_url: https://example.com/runbooks#service-down
                """;
            const string dashboard = """{"title": "LedgerX overview", "panels": [{"type": "timeseries", "targets": [{"expr": "sum(rate(http_server_request_duration_seconds_count[5m]))"}]}]}""";
            File.WriteAllText(Path.Combine(chart, "files", "rules", "ledgerx-alerts.yml"), rules);
            File.WriteAllText(Path.Combine(chart, "files", "dashboards", "ledgerx-overview.json"), dashboard);

            var rendered = ChartRenderer.RenderAt(chart, "--set", "monitoring.prometheusRules.enabled=true,monitoring.dashboards.enabled=true,monitoring.prometheusRules.labels.release=kube-prometheus");

            var rule = rendered.OfKind("PrometheusRule").ShouldHaveSingleItem();
            rule.Name.ShouldBe("release-name-ledgerx-ledgerx-alerts");
            rule.Str("metadata", "labels", "release").ShouldBe("kube-prometheus");
            var group = rule.List("spec", "groups").ShouldHaveSingleItem();
            Node.Str(group, "name").ShouldBe("ledgerx-availability");
            Node.Str(group, "rules", 0, "alert").ShouldBe("LedgerXServiceDown");
            Node.Str(group, "rules", 0, "expr").ShouldBe("""up{job=~"ledgerx-.*"} == 0""");
            Node.Str(group, "rules", 0, "annotations", "runbook_url").ShouldBe("https://example.com/runbooks#service-down");

            var configMap = rendered.OfKind("ConfigMap").ShouldHaveSingleItem();
            configMap.Str("metadata", "labels", "grafana_dashboard").ShouldBe("1");
            configMap.Str("data", "ledgerx-overview.json").ShouldBe(dashboard);
        }
        finally
        {
            Directory.Delete(chart, recursive: true);
        }
    }

    private static string CopyOfTheChart()
    {
        var target = Path.Combine(Path.GetTempPath(), $"ledgerx-chart-{Guid.NewGuid():N}");
        foreach (var file in Directory.GetFiles(ChartRenderer.ChartDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(ChartRenderer.ChartDirectory, file);
            if (relative.StartsWith("files" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue; // the test decides what files/ holds
            }
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }
        return target;
    }
}
