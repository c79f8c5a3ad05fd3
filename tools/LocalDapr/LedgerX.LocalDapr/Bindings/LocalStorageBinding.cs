using System.Text.Json;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>
/// <c>bindings.localstorage</c> (components-contrib bindings/localstorage): files under <c>rootPath</c>;
/// operations create, get, list, delete; <c>fileName</c> in request metadata, a uuid when absent on create.
/// Paths that escape <c>rootPath</c> are refused, as the component does. Create unquotes and base64-decodes the data
/// when it can and answers <c>{"fileName": ...}</c>; delete answers nothing, as the component does.
/// </summary>
public sealed class LocalStorageBinding : OutputBinding
{
    private const long MaxFileBytes = 64L << 20;
    private readonly string _root;

    public LocalStorageBinding(string rootPath)
    {
        _root = Path.GetFullPath(rootPath);
        Directory.CreateDirectory(_root);
    }

    public override IReadOnlyList<string> Operations { get; } = ["create", "get", "list", "delete"];

    public override async Task<BindingResponse?> InvokeAsync(string operation, byte[] data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case "create":
            {
                string name = metadata.GetValueOrDefault("fileName") is { Length: > 0 } n ? n : Guid.NewGuid().ToString();
                string path = Safe(name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, Decode(data), cancellationToken);
                return new BindingResponse(JsonSerializer.SerializeToUtf8Bytes(new { fileName = Path.GetRelativePath(_root, path) }), new Dictionary<string, string>());
            }

            case "get":
            {
                string path = Safe(RequiredName(metadata));
                if (!File.Exists(path))
                {
                    throw new BindingException($"file not found: {RequiredName(metadata)}");
                }

                if (new FileInfo(path).Length > MaxFileBytes)
                {
                    throw new BindingException($"file larger than {MaxFileBytes} bytes");
                }

                return new BindingResponse(await File.ReadAllBytesAsync(path, cancellationToken), new Dictionary<string, string>());
            }

            case "delete":
            {
                string path = Safe(RequiredName(metadata));
                File.Delete(path);
                return null;
            }

            case "list":
            {
                var names = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(_root, f))
                    .Order(StringComparer.Ordinal)
                    .Take(10_000)
                    .ToList();
                return new BindingResponse(JsonSerializer.SerializeToUtf8Bytes(names), new Dictionary<string, string>());
            }

            default:
                throw new BindingException($"binding does not support operation {operation}. supported operations: {string.Join(", ", Operations)}");
        }
    }

    /// <summary>components-contrib localstorage <c>create</c>: strconv.Unquote, then base64 when the result decodes.</summary>
    private static byte[] Decode(byte[] data)
    {
        string text = System.Text.Encoding.UTF8.GetString(data);
        if (GoText.TryUnquote(text, out string unquoted))
        {
            data = System.Text.Encoding.UTF8.GetBytes(unquoted);
            text = unquoted;
        }

        try
        {
            return text.Length > 0 ? Convert.FromBase64String(text) : data;
        }
        catch (FormatException)
        {
            return data;
        }
    }

    private static string RequiredName(IReadOnlyDictionary<string, string> metadata) =>
        metadata.GetValueOrDefault("fileName") is { Length: > 0 } name ? name : throw new BindingException("required metadata field 'fileName' missing");

    private string Safe(string name)
    {
        string full = Path.GetFullPath(Path.Combine(_root, name));
        return full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new BindingException($"invalid file name '{name}': outside the root path");
    }
}
