using System.Text.RegularExpressions;
using LedgerX.Testing;

namespace LedgerX.Observability.Tests;

public sealed partial class AlertRulesTests
{
    private static readonly string[] Severities = ["page", "ticket"];

    [Fact]
    public void PassPromtoolCheckRules()
    {
        var (exit, output) = PrometheusTools.Promtool(["check", "rules", .. RuleFiles.Rules]);

        exit.ShouldBe(0, output);
    }

    [Fact]
    public void PassTheirPromtoolUnitTests()
    {
        RuleFiles.UnitTests.ShouldNotBeEmpty();

        var (exit, output) = PrometheusTools.Promtool(["test", "rules", .. RuleFiles.UnitTests]);

        exit.ShouldBe(0, output);
        output.ShouldNotContain("FAILED", customMessage: output);
    }

    [Fact]
    public void EveryAlert_IsUnitTestedFiringAndNotFiring()
    {
        var cases = RuleFiles.AlertCases().ToList();
        var untested = RuleFiles.Alerts().Select(a => RuleFiles.Text(a, "alert"))
            .Where(alert => !cases.Contains((alert, true)) || !cases.Contains((alert, false)))
            .ToList();

        untested.ShouldBeEmpty("alerts without a promtool case that fires them and one that does not");
    }

    [Fact]
    public void EveryAlert_HasASeverityASummaryAndARunbookSectionThatExists()
    {
        var problems = new List<string>();
        foreach (var alert in RuleFiles.Alerts())
        {
            string name = RuleFiles.Text(alert, "alert");
            var labels = (YamlDotNet.RepresentationModel.YamlMappingNode)alert["labels"];
            var annotations = (YamlDotNet.RepresentationModel.YamlMappingNode)alert["annotations"];
            if (!Severities.Contains(RuleFiles.Text(labels, "severity")))
            {
                problems.Add($"{name}: severity must be one of {string.Join(", ", Severities)}");
            }

            if (!annotations.Children.ContainsKey("summary"))
            {
                problems.Add($"{name}: no summary");
            }

            string runbook = annotations.Children.ContainsKey("runbook_url") ? RuleFiles.Text(annotations, "runbook_url") : "";
            string[] parts = runbook.Split('#', 2);
            string file = RepositoryRoot.PathOf(parts[0].Split('/'));
            if (parts.Length != 2 || !File.Exists(file))
            {
                problems.Add($"{name}: runbook_url '{runbook}' is not a file of this repository with a #section");
                continue;
            }

            var anchors = Heading().Matches(File.ReadAllText(file)).Select(m => Anchor(m.Groups["title"].Value)).ToHashSet(StringComparer.Ordinal);
            if (!anchors.Contains(parts[1]))
            {
                problems.Add($"{name}: {parts[0]} has no section #{parts[1]}");
            }
        }

        problems.ShouldBeEmpty();
    }

    [Fact]
    public void RuleExpressions_NameOnlyMetricsTheSystemExports()
    {
        var known = MetricInventory.Exported.Concat(RuleFiles.RecordingRules().Select(r => RuleFiles.Text(r, "record"))).ToHashSet(StringComparer.Ordinal);
        var unknown = RuleFiles.AllRules()
            .SelectMany(rule => PromQl.MetricNames(RuleFiles.Text(rule, "expr")).Select(metric => (Rule: RuleFiles.Text(rule, rule.Children.ContainsKey("alert") ? "alert" : "record"), Metric: metric)))
            .Where(x => !known.Contains(x.Metric))
            .Select(x => $"{x.Rule}: {x.Metric}")
            .ToList();

        unknown.ShouldBeEmpty();
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.</summary>
    internal static string Anchor(string heading) =>
        AnchorPunctuation().Replace(heading.Trim().ToLowerInvariant(), "").Replace(' ', '-');

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{Nd} _-]")]
    private static partial Regex AnchorPunctuation();
}
