using System.Text.Json;

namespace LedgerX.Testing;

/// <summary>The Grafana dashboards of observability/grafana/dashboards and the PromQL of every panel, read from the JSON
/// Grafana imports: the static checks (Observability.Tests) and the live one (EndToEnd) look at the same queries.</summary>
public static class GrafanaDashboards
{
    public static string Directory => RepositoryRoot.PathOf("observability", "grafana", "dashboards");

    /// <summary>Each dashboard by file name (without .json), parsed.</summary>
    public static IEnumerable<(string Name, JsonElement Json)> All() =>
        System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileNameWithoutExtension(f), JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone()));

    /// <summary>Every target of every panel: "dashboard / panel title" and its PromQL expression.</summary>
    public static IEnumerable<(string Panel, string Expression)> PanelQueries() =>
        from dashboard in All()
        from panel in dashboard.Json.GetProperty("panels").EnumerateArray()
        from target in panel.GetProperty("targets").EnumerateArray()
        select ($"{dashboard.Name} / {panel.GetProperty("title").GetString()}", target.GetProperty("expr").GetString() ?? "");
}
