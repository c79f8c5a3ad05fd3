using System.Text.Json;
using LedgerX.Testing;

namespace LedgerX.Observability.Tests;

public sealed class DashboardsTests
{
    private static readonly string[] Expected = ["fraud", "ledger", "notifications", "sagas", "slos", "system-overview"];

    [Fact]
    public void TheSixDashboardsExist_WithUniqueUidsAndPanels()
    {
        var dashboards = Dashboards().ToList();

        dashboards.Select(d => d.Name).Order(StringComparer.Ordinal).ShouldBe(Expected);
        dashboards.Select(d => d.Json.GetProperty("uid").GetString()).Distinct().Count().ShouldBe(dashboards.Count);
        foreach (var (name, json) in dashboards)
        {
            json.GetProperty("panels").GetArrayLength().ShouldBeGreaterThan(0, name);
        }
    }

    [Fact]
    public void EveryPanelQuery_Parses()
    {
        // promtool checks PromQL inside rule files: each panel query becomes one recording rule of a scratch file.
        var queries = PanelQueries().ToList();
        string file = Path.Combine(Directory.CreateTempSubdirectory("observability-panels-").FullName, "panels.yml");
        try
        {
            File.WriteAllLines(file, ["groups:", "  - name: panels", "    rules:",
                .. queries.SelectMany((q, i) => new[] { $"      - record: panel:query:{i}", $"        expr: {JsonSerializer.Serialize(q.Expression)}" })]);

            var (exit, output) = PrometheusTools.Promtool("check", "rules", file);

            exit.ShouldBe(0, output);
            output.ShouldContain($"SUCCESS: {queries.Count} rules found");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public void EveryPanelQuery_NamesOnlyMetricsTheSystemExportsOrTheRulesRecord()
    {
        var known = MetricInventory.Exported.Concat(RuleFiles.RecordingRules().Select(r => RuleFiles.Text(r, "record"))).ToHashSet(StringComparer.Ordinal);
        var unknown = PanelQueries()
            .SelectMany(q => PromQl.MetricNames(q.Expression).Where(m => !known.Contains(m)).Select(m => $"{q.Panel}: {m}"))
            .ToList();

        unknown.ShouldBeEmpty();
    }

    internal static IEnumerable<(string Panel, string Expression)> PanelQueries() => GrafanaDashboards.PanelQueries();

    private static IEnumerable<(string Name, JsonElement Json)> Dashboards() => GrafanaDashboards.All();
}
