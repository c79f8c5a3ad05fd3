namespace LedgerX.LocalDapr.Tests.Infrastructure;

/// <summary>A temporary resources folder (what <c>--resources-path</c> points at), deleted on dispose.</summary>
public sealed class ResourceFolder : IDisposable
{
    public ResourceFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "localdapr-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public ResourceFolder With(string fileName, string yaml)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, fileName), yaml);
        return this;
    }

    public ResourceFolder WithComponent(string name, string type, params (string Name, string Value)[] metadata) =>
        With($"{name}.yaml", Yaml.Component(name, type, metadata));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder is under the temp directory.
        }
    }
}

/// <summary>Small YAML builders so tests read like the resource files they stand for.</summary>
public static class Yaml
{
    public static string Component(string name, string type, params (string Name, string Value)[] metadata)
    {
        string items = metadata.Length == 0
            ? "  metadata: []\n"
            : "  metadata:\n" + string.Concat(metadata.Select(m => $"  - name: {m.Name}\n    value: \"{m.Value}\"\n"));
        string version = type == "state.postgresql" ? "v2" : "v1";
        return $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: {name}
            spec:
              type: {type}
              version: {version}

            """ + items;
    }
}
