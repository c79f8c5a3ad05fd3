using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace LedgerX.LocalDapr.Resources;

/// <summary>
/// A read-only view over a parsed YAML node that remembers its file and path, so every validation
/// error can name the exact file and field (issue #3: "a clear error naming the file and field").
/// </summary>
internal sealed class YamlNode
{
    private readonly YamlNode? _parentForErrors;

    private YamlNode(string file, string path, YamlDotNet.RepresentationModel.YamlNode? node, YamlNode? parent)
    {
        File = file;
        Path = path;
        Raw = node;
        _parentForErrors = parent;
    }

    public string File { get; }

    public string Path { get; }

    public YamlDotNet.RepresentationModel.YamlNode? Raw { get; }

    public bool Exists => Raw is not null && !(Raw is YamlScalarNode { Value: null or "" or "~" or "null" } s && s.Style == YamlDotNet.Core.ScalarStyle.Plain);

    public static YamlNode Root(string file, YamlDotNet.RepresentationModel.YamlNode node) => new(file, "", node, null);

    public YamlNode this[string key]
    {
        get
        {
            string childPath = Path.Length == 0 ? key : $"{Path}.{key}";
            if (Raw is YamlMappingNode map)
            {
                foreach (var (k, v) in map.Children)
                {
                    if (k is YamlScalarNode ks && string.Equals(ks.Value, key, StringComparison.Ordinal))
                    {
                        return new YamlNode(File, childPath, v, this);
                    }
                }
            }
            else if (Exists)
            {
                throw Error("expected a mapping");
            }

            return new YamlNode(File, childPath, null, this);
        }
    }

    public IEnumerable<YamlNode> Items()
    {
        if (!Exists)
        {
            yield break;
        }

        if (Raw is not YamlSequenceNode seq)
        {
            throw Error("expected a list");
        }

        int i = 0;
        foreach (var child in seq.Children)
        {
            yield return new YamlNode(File, $"{Path}[{i++}]", child, this);
        }
    }

    public IEnumerable<KeyValuePair<string, YamlNode>> Entries()
    {
        if (!Exists)
        {
            yield break;
        }

        if (Raw is not YamlMappingNode map)
        {
            throw Error("expected a mapping");
        }

        foreach (var (k, v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value ?? "";
            yield return new(key, new YamlNode(File, Path.Length == 0 ? key : $"{Path}.{key}", v, this));
        }
    }

    public string? OptionalString()
    {
        if (!Exists)
        {
            return null;
        }

        return Raw is YamlScalarNode scalar ? scalar.Value : throw Error("expected a scalar value");
    }

    public string RequiredString()
    {
        string? value = OptionalString();
        return string.IsNullOrWhiteSpace(value) ? throw Error("is required") : value;
    }

    public int? OptionalInt()
    {
        string? text = OptionalString();
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw Error($"'{text}' is not an integer");
    }

    public bool? OptionalBool()
    {
        string? text = OptionalString();
        if (text is null)
        {
            return null;
        }

        return bool.TryParse(text, out bool value) ? value : throw Error($"'{text}' is not true/false");
    }

    public IReadOnlyList<string> StringList() => Items().Select(i => i.RequiredString()).ToList();

    public Dictionary<string, string> StringMap() =>
        Entries().ToDictionary(e => e.Key, e => e.Value.OptionalString() ?? "", StringComparer.Ordinal);

    public ResourceException Error(string problem) =>
        new(File, Path.Length == 0 ? "(document)" : Path, problem);

    internal YamlNode? Parent => _parentForErrors;
}
