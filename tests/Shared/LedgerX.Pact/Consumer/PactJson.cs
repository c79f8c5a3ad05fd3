using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LedgerX.Pact;

/// <summary>Turns the DSL's bodies (anonymous objects, dictionaries, arrays, matchers, JSON nodes) into JSON for pact_ffi.</summary>
internal static class PactJson
{
    // Types other than anonymous ones, dictionaries and arrays go through System.Text.Json with the web defaults
    // (camelCase), which is what ASP.NET Core and Refit put on the wire.
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Depth bound: a self-referencing object graph fails fast instead of overflowing the stack.</summary>
    private const int MaxDepth = 64;

    public static JsonNode? ToNode(object? value) => ToNode(value, 0);

    public static string Serialize(object? value) => ToNode(value)?.ToJsonString() ?? "null";

    /// <summary>A value as plain text: strings unquoted, anything else as JSON.</summary>
    public static string PlainText(object? value) => value switch
    {
        null => "null",
        string s => s,
        IMatcher m => m is IntegrationMatcher im ? im.Example : m.ToString() ?? string.Empty,
        _ => Serialize(value),
    };

    /// <summary>A copy of the node with every matcher document replaced by its example value.</summary>
    public static JsonNode? WithoutMatchers(JsonNode? node) => node switch
    {
        JsonObject o when o.ContainsKey("pact:matcher:type") => WithoutMatchers(o["value"]),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, WithoutMatchers(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(WithoutMatchers)]),
        _ => node?.DeepClone(),
    };

    private static JsonNode? ToNode(object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"A pact body nests deeper than {MaxDepth} levels (a cycle?).");
        }

        switch (value)
        {
            case null:
                return null;
            case IntegrationMatcher matcher:
                return matcher.ToJson();
            case IMatcher other:
                throw new ArgumentException($"Unknown matcher {other.GetType()}: use the ones from LedgerX.Pact.Match.");
            case JsonNode node:
                return node.DeepClone();
            case JsonElement element:
                return JsonNode.Parse(element.GetRawText());
            case string or bool or char or Guid or DateTime or DateTimeOffset or DateOnly or TimeOnly or Enum:
                return JsonSerializer.SerializeToNode(value, Web);
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal:
                return JsonSerializer.SerializeToNode(value, Web);
            case IDictionary dictionary:
            {
                var obj = new JsonObject();
                // Sorted: a dictionary's enumeration order is no contract, and pact files must be deterministic.
                foreach (var key in dictionary.Keys.Cast<object>().Select(k => Convert.ToString(k, CultureInfo.InvariantCulture)!).Order(StringComparer.Ordinal))
                {
                    obj[key] = ToNode(FindValue(dictionary, key), depth + 1);
                }

                return obj;
            }
            case IEnumerable sequence:
            {
                var array = new JsonArray();
                foreach (var item in sequence)
                {
                    array.Add(ToNode(item, depth + 1));
                }

                return array;
            }
        }

        var type = value.GetType();
        if (!IsAnonymous(type))
        {
            return JsonSerializer.SerializeToNode(value, type, Web);
        }

        // Anonymous objects keep their property names as written, in declaration order.
        var result = new JsonObject();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            result[property.Name] = ToNode(property.GetValue(value), depth + 1);
        }

        return result;
    }

    private static object? FindValue(IDictionary dictionary, string key)
    {
        foreach (DictionaryEntry entry in dictionary)
        {
            if (Convert.ToString(entry.Key, CultureInfo.InvariantCulture) == key)
            {
                return entry.Value;
            }
        }

        return null;
    }

    private static bool IsAnonymous(Type type) =>
        type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), inherit: false)
        && type.Name.Contains("AnonymousType", StringComparison.Ordinal);
}
