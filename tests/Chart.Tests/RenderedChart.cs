using YamlDotNet.Serialization;

namespace LedgerX.Chart.Tests;

/// <summary>The manifests of one render, each a YAML mapping as YamlDotNet reads it (maps, lists, string scalars),
/// with the NOTES if they were asked for (--notes).</summary>
public sealed class RenderedChart
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    private RenderedChart(IReadOnlyList<Manifest> manifests, string notes)
    {
        Manifests = manifests;
        Notes = notes;
    }

    public IReadOnlyList<Manifest> Manifests { get; }

    public string Notes { get; }

    public static RenderedChart Parse(string output)
    {
        var notes = "";
        var notesAt = output.IndexOf("---\n# NOTES:\n", StringComparison.Ordinal);
        if (notesAt >= 0)
        {
            notes = output[(notesAt + "---\n# NOTES:\n".Length)..];
            output = output[..notesAt];
        }
        var manifests = new List<Manifest>();
        foreach (var doc in output.Split("---\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var source = doc.Split('\n')[0].Replace("# Source: ", "", StringComparison.Ordinal);
            var root = Yaml.Deserialize<Dictionary<object, object>>(doc)
                ?? throw new InvalidOperationException($"empty document from {source}");
            manifests.Add(new Manifest(source, root));
        }
        return new RenderedChart(manifests, notes);
    }

    public IEnumerable<Manifest> OfKind(string kind) => Manifests.Where(m => m.Kind == kind);

    public Manifest Single(string kind, string name)
    {
        var found = OfKind(kind).Where(m => m.Name == name).ToList();
        found.Count.ShouldBe(1, $"{kind} {name}: expected exactly one, rendered {string.Join(", ", OfKind(kind).Select(m => m.Name))}");
        return found[0];
    }

    /// <summary>The workload of one Dapr app, found by its component label.</summary>
    public Manifest ForApp(string kind, string appId)
    {
        var found = OfKind(kind).Where(m => m.Str("metadata", "labels", "app.kubernetes.io/component") == appId).ToList();
        found.Count.ShouldBe(1, $"{kind} of {appId}: expected exactly one");
        return found[0];
    }
}

public sealed record Manifest(string Source, Dictionary<object, object> Root)
{
    public string Kind => Str("kind") ?? "";

    public string Name => Str("metadata", "name") ?? "";

    public object? At(params object[] path) => Node.At(Root, path);

    public string? Str(params object[] path) => At(path) as string;

    public IReadOnlyDictionary<object, object> Map(params object[] path) =>
        At(path) as Dictionary<object, object> ?? new Dictionary<object, object>();

    public IReadOnlyList<object> List(params object[] path) => At(path) as List<object> ?? [];

    public override string ToString() => $"{Kind} {Name} ({Source})";
}

public static class Node
{
    /// <summary>Walks maps by string key and lists by int index; null when any step is missing.</summary>
    public static object? At(object? node, params object[] path)
    {
        foreach (var step in path)
        {
            node = (node, step) switch
            {
                (Dictionary<object, object> map, string key) => map.GetValueOrDefault(key),
                (List<object> list, int index) when index < list.Count => list[index],
                _ => null,
            };
        }
        return node;
    }

    public static string? Str(object? node, params object[] path) => At(node, path) as string;

    public static IReadOnlyList<object> List(object? node, params object[] path) => At(node, path) as List<object> ?? [];
}
