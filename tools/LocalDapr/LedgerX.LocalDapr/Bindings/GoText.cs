using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>
/// The Go standard-library and dapr/kit text rules the components-contrib bindings apply to request data and
/// metadata, so a binding here reads the same bytes the same way.
/// </summary>
internal static class GoText
{
    /// <summary>
    /// Go's <c>strconv.Unquote</c> for the two forms a request body can take: a double-quoted string with Go escapes
    /// (what daprd's HTTP API makes of a JSON string <c>data</c>, since it re-marshals <c>data</c>) and a back-quoted
    /// raw string. Anything else is not quoted and the caller keeps the raw bytes, as the contrib bindings do.
    /// </summary>
    public static bool TryUnquote(string text, out string value)
    {
        value = "";
        if (text.Length < 2)
        {
            return false;
        }

        if (text[0] == '`' && text[^1] == '`')
        {
            string inner = text[1..^1];
            if (inner.Contains('`', StringComparison.Ordinal))
            {
                return false;
            }

            // Go discards carriage returns inside raw strings.
            value = inner.Replace("\r", "", StringComparison.Ordinal);
            return true;
        }

        if (text[0] != '"' || text[^1] != '"')
        {
            return false;
        }

        var sb = new StringBuilder(text.Length);
        for (int i = 1; i < text.Length - 1; i++)
        {
            char c = text[i];
            if (c == '"' || c == '\n')
            {
                return false;
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (++i >= text.Length - 1)
            {
                return false;
            }

            switch (text[i])
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '"': sb.Append('"'); break;
                case 'x' when Hex(text, i + 1, 2, out int b):
                    sb.Append((char)b);
                    i += 2;
                    break;
                case 'u' when Hex(text, i + 1, 4, out int u):
                    sb.Append((char)u);
                    i += 4;
                    break;
                case 'U' when Hex(text, i + 1, 8, out int cp) && cp <= 0x10FFFF && cp is < 0xD800 or > 0xDFFF:
                    sb.Append(char.ConvertFromUtf32(cp));
                    i += 8;
                    break;
                case >= '0' and <= '7' when Octal(text, i, out int o):
                    sb.Append((char)o);
                    i += 2;
                    break;
                default:
                    return false;
            }
        }

        value = sb.ToString();
        return true;
    }

    private static readonly JsonSerializerOptions GoJsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// What Go's <c>json.Marshal</c> makes of a JSON value decoded into <c>any</c> (daprd's HTTP API does this to a
    /// binding's <c>data</c>): object keys sorted, and only &lt; &gt; &amp; U+2028 U+2029 escaped in strings. (Go also
    /// passes numbers through float64; beyond 2^53 they lose digits there, not here.)
    /// </summary>
    public static byte[] MarshalLikeGo(JsonNode? node)
    {
        string json = Sorted(node)?.ToJsonString(GoJsonOptions) ?? "null";
        // These characters can only occur inside JSON strings, so replacing them escapes exactly what Go escapes.
        var sb = new StringBuilder(json.Length);
        foreach (char c in json)
        {
            sb.Append(c switch
            {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u2028' => "\\u2028",
                '\u2029' => "\\u2029",
                _ => c.ToString(),
            });
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    /// <summary>dapr/kit <c>strings.IsTruthy</c>: y, yes, true, t, on, 1 (any case, trimmed).</summary>
    public static bool IsTruthy(string? value) =>
        (value ?? "").Trim().ToLowerInvariant() is "y" or "yes" or "true" or "t" or "on" or "1";

    /// <summary>
    /// dapr/kit <c>metadata.ByteSize</c>: a plain number of bytes or a Kubernetes quantity (<c>100Mi</c>, <c>2k</c>).
    /// </summary>
    public static bool TryParseByteSize(string text, out long bytes)
    {
        bytes = 0;
        string t = text.Trim();
        (string Suffix, long Factor)[] units =
        [
            ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40),
            ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
        ];
        long factor = 1;
        foreach (var (suffix, f) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = f;
                t = t[..^suffix.Length];
                break;
            }
        }

        if (!decimal.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
        {
            return false;
        }

        bytes = (long)decimal.Ceiling(number * factor);
        return true;
    }

    /// <summary>Go's <c>textproto.CanonicalMIMEHeaderKey</c>: <c>x-provider-id</c> → <c>X-Provider-Id</c>.</summary>
    public static string CanonicalHeaderKey(string key)
    {
        if (key.Any(c => c is ' ' or ':' || c > 127))
        {
            return key;
        }

        var chars = key.ToCharArray();
        bool upper = true;
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = upper ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            upper = chars[i] == '-';
        }

        return new string(chars);
    }

    private static bool Hex(string text, int start, int count, out int value)
    {
        value = 0;
        return start + count <= text.Length - 1
            && int.TryParse(text.AsSpan(start, count), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static bool Octal(string text, int start, out int value)
    {
        value = 0;
        if (start + 3 > text.Length - 1)
        {
            return false;
        }

        for (int i = start; i < start + 3; i++)
        {
            if (text[i] is < '0' or > '7')
            {
                return false;
            }

            value = (value * 8) + (text[i] - '0');
        }

        return value <= 255;
    }
}
