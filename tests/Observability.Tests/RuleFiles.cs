using YamlDotNet.RepresentationModel;

namespace LedgerX.Observability.Tests;

/// <summary>The rule files and the promtool unit-test files of observability/prometheus, read as YAML.</summary>
public static class RuleFiles
{
    public static IReadOnlyList<string> Rules => Files("rules", "*.yml");

    public static IReadOnlyList<string> UnitTests => Files("tests", "*.test.yml");

    /// <summary>Every rule of every rule file, as its YAML mapping.</summary>
    public static IEnumerable<YamlMappingNode> AllRules() =>
        from file in Rules
        from groupNode in (YamlSequenceNode)Root(file)["groups"]
        from rule in (YamlSequenceNode)((YamlMappingNode)groupNode)["rules"]
        select (YamlMappingNode)rule;

    public static IEnumerable<YamlMappingNode> Alerts() => AllRules().Where(r => r.Children.ContainsKey("alert"));

    public static IEnumerable<YamlMappingNode> RecordingRules() => AllRules().Where(r => r.Children.ContainsKey("record"));

    /// <summary>(alert name, fires) for every alert_rule_test case of every unit-test file.</summary>
    public static IEnumerable<(string Alert, bool Fires)> AlertCases() =>
        from file in UnitTests
        from testNode in (YamlSequenceNode)Root(file)["tests"]
        let test = (YamlMappingNode)testNode
        where test.Children.ContainsKey("alert_rule_test")
        from caseNode in (YamlSequenceNode)test["alert_rule_test"]
        let testCase = (YamlMappingNode)caseNode
        select (Text(testCase, "alertname"),
            testCase.Children.TryGetValue("exp_alerts", out var expected) && ((YamlSequenceNode)expected).Children.Count > 0);

    public static string Text(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value ?? "";

    public static YamlMappingNode Root(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(file);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static IReadOnlyList<string> Files(string folder, string pattern) =>
        Directory.GetFiles(Path.Combine(PrometheusTools.PrometheusDirectory, folder), pattern).Order(StringComparer.Ordinal).ToList();
}
