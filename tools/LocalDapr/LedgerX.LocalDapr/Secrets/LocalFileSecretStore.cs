using System.Globalization;
using System.Text.Json;

namespace LedgerX.LocalDapr.Secrets;

/// <summary>
/// <c>secretstores.local.file</c> as components-contrib secretstores/local/file/filestore.go reads it: a JSON file flattened with <c>nestedSeparator</c>; with
/// <c>multiValued</c> each top-level key is one secret whose entries are its flattened children.
/// </summary>
public sealed class LocalFileSecretStore : ISecretStore
{
    private const long MaxSecretsFileBytes = 4 << 20;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _secrets = new(StringComparer.Ordinal);

    public LocalFileSecretStore(string secretsFile, string nestedSeparator, bool multiValued)
    {
        if (new FileInfo(secretsFile).Length > MaxSecretsFileBytes)
        {
            throw new InvalidDataException($"secrets file {secretsFile} is larger than {MaxSecretsFileBytes} bytes");
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(secretsFile));
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"secrets file {secretsFile} must contain a JSON object");
        }

        if (!multiValued)
        {
            var flat = new Dictionary<string, string>(StringComparer.Ordinal);
            Flatten(doc.RootElement, "", nestedSeparator, flat);
            foreach (var (k, v) in flat)
            {
                _secrets[k] = new Dictionary<string, string>(StringComparer.Ordinal) { [k] = v };
            }

            return;
        }

        foreach (var property in doc.RootElement.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    _secrets[property.Name] = new Dictionary<string, string>(StringComparer.Ordinal) { [property.Name] = property.Value.GetString()! };
                    break;
                case JsonValueKind.Object:
                    var entries = new Dictionary<string, string>(StringComparer.Ordinal);
                    Flatten(property.Value, "", nestedSeparator, entries);
                    _secrets[property.Name] = entries;
                    break;
                default:
                    // Top-level non-string scalars are ignored in multi-valued mode, as filestore.go's multi-value walk skips them.
                    break;
            }
        }
    }

    public IReadOnlyDictionary<string, string>? Get(string key) => _secrets.GetValueOrDefault(key);

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> GetBulk() => _secrets;

    private static void Flatten(JsonElement element, string prefix, string separator, Dictionary<string, string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    Flatten(p.Value, prefix.Length == 0 ? p.Name : prefix + separator + p.Name, separator, into);
                }

                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    string index = (i++).ToString(CultureInfo.InvariantCulture);
                    Flatten(item, prefix.Length == 0 ? index : prefix + separator + index, separator, into);
                }

                break;
            case JsonValueKind.String:
                into[prefix] = element.GetString()!;
                break;
            default:
                // filestore.go formats non-string leaves with Go's %s verb (a quirk); reproduced so configs
                // that work here fail the same way under daprd instead of surprising later.
                into[prefix] = element.ValueKind switch
                {
                    JsonValueKind.Number => $"%!s(float64={element.GetDouble().ToString(CultureInfo.InvariantCulture)})",
                    JsonValueKind.True => "%!s(bool=true)",
                    JsonValueKind.False => "%!s(bool=false)",
                    _ => "%!s(<nil>)",
                };
                break;
        }
    }
}
