using YamlDotNet.Serialization;

namespace LedgerX.Chart.Tests;

/// <summary>The chart's Dapr resources are the Kubernetes twins of components/*.yaml (the chart and components/README
/// say to keep them in step): same names, types, versions, metadata fields, scopes, policies.</summary>
public sealed class ChartLocalTwins
{
    private static readonly Lazy<RenderedChart> Defaults = new(() => ChartRenderer.Render());

    private static readonly Lazy<List<Dictionary<object, object>>> Local = new(() =>
    {
        var yaml = new DeserializerBuilder().Build();
        return Directory.GetFiles(Repository.PathOf("components"), "*.yaml").Order()
            .Select(f => yaml.Deserialize<Dictionary<object, object>>(File.ReadAllText(f)))
            .ToList();
    });

    // Local only: on Kubernetes, Dapr reads secretKeyRef from Kubernetes Secrets without a secret store component.
    private static readonly string[] LocalOnly = ["secretstore"];

    // A cluster's Redis may need a password and TLS; the one `dapr init` starts has neither. (The notify-* bindings'
    // credentials are off by default, as the local SMTP server and provider sink take none.)
    private static readonly Dictionary<string, string[]> ChartOnlyFields = new() { ["pubsub"] = ["redisPassword", "enableTLS"] };

    // Where a component points differs by definition between a laptop and a cluster.
    private static readonly string[] AddressFields = ["redisHost", "host", "port", "emailFrom", "url"];

    public static TheoryData<string> LocalComponents =>
        [.. Local.Value.Where(r => Node.Str(r, "kind") == "Component")
            .Select(r => Node.Str(r, "metadata", "name")!).Where(n => !LocalOnly.Contains(n))];

    [Theory]
    [MemberData(nameof(LocalComponents))]
    public void Component_has_the_local_twins_type_version_metadata_and_scopes(string name)
    {
        var local = Local.Value.Single(r => Node.Str(r, "kind") == "Component" && Node.Str(r, "metadata", "name") == name);
        var chart = Defaults.Value.Single("Component", name);

        chart.Str("spec", "type").ShouldBe(Node.Str(local, "spec", "type"));
        chart.Str("spec", "version").ShouldBe(Node.Str(local, "spec", "version"));
        chart.List("spec", "metadata").Select(m => Node.Str(m, "name")).Order()
            .ShouldBe(Node.List(local, "spec", "metadata").Select(m => Node.Str(m, "name")).Order()
                .Concat(ChartOnlyFields.GetValueOrDefault(name, [])).Order(),
                "the chart sets the same metadata fields, plus those a cluster's Redis may need");
        foreach (var field in Node.List(local, "spec", "metadata").Where(m => Node.Str(m, "value") is not null))
        {
            var fieldName = Node.Str(field, "name")!;
            if (AddressFields.Contains(fieldName))
            {
                continue;
            }
            Node.Str(chart.List("spec", "metadata").Single(m => Node.Str(m, "name") == fieldName), "value")
                .ShouldBe(Node.Str(field, "value"), $"{name}.{fieldName}");
        }
        chart.List("scopes").Cast<string>().Order().ShouldBe(Node.List(local, "scopes").Cast<string>().Order());
    }

    [Fact]
    public void Resiliency_policy_equals_the_local_one()
    {
        var local = Local.Value.Single(r => Node.Str(r, "kind") == "Resiliency");
        var chart = Defaults.Value.OfKind("Resiliency").ShouldHaveSingleItem();

        chart.Name.ShouldBe(Node.Str(local, "metadata", "name"));
        Canonical(chart.At("spec")).ShouldBe(Canonical(Node.At(local, "spec")));
    }

    [Fact]
    public void Configuration_samples_like_the_local_one()
    {
        var local = Local.Value.Single(r => Node.Str(r, "kind") == "Configuration");
        var chart = Defaults.Value.OfKind("Configuration").ShouldHaveSingleItem();

        chart.Name.ShouldBe(Node.Str(local, "metadata", "name"));
        chart.Str("spec", "tracing", "samplingRate").ShouldBe(Node.Str(local, "spec", "tracing", "samplingRate"));
    }

    /// <summary>A YAML tree as one string with sorted keys, so two trees compare as values.</summary>
    private static string Canonical(object? node) => node switch
    {
        Dictionary<object, object> map => "{" + string.Join(",", map.OrderBy(e => (string)e.Key, StringComparer.Ordinal)
            .Select(e => $"{e.Key}:{Canonical(e.Value)}")) + "}",
        List<object> list => "[" + string.Join(",", list.Select(Canonical)) + "]",
        _ => node?.ToString() ?? "null",
    };
}
