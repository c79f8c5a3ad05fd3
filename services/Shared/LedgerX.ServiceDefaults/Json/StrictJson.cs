using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.ServiceDefaults.Json;

/// <summary>
/// The one reading of request JSON every service shares. The docs promise integers for amounts and one value per
/// field, so a number sent as a string (<c>"amount":"12"</c>) and a field sent twice (<c>{"amount":1,"amount":999999}</c>,
/// where the last one would win unseen) are refused; and a string holding a NUL character, which PostgreSQL cannot
/// store in text, is refused here by name instead of failing later as a 500 or 503 (or a saga step that never records).
/// </summary>
public static class StrictJson
{
    /// <summary>What a client reads when a string holds a NUL character.</summary>
    public const string NulCharacterMessage = "The value contains a NUL character (\\u0000), which cannot be stored.";

    internal static IServiceCollection AddStrictRequestJson(this IServiceCollection services) =>
        services.Configure<JsonOptions>(json => Apply(json.SerializerOptions));

    /// <summary>Makes <paramref name="options"/> strict: numbers only as JSON numbers, no duplicate properties, no NUL
    /// in any string property, dictionary key or value, or list of strings.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowDuplicateProperties = false;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(RefuseNulCharacters);
        return options;
    }

    /// <summary>
    /// Checks each object once it is read, rather than through a custom string converter: a custom converter would make
    /// the OpenAPI generator describe every string as "any value". Nested objects get their own check, so only this
    /// object's own strings are looked at.
    /// </summary>
    private static void RefuseNulCharacters(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        var properties = type.Properties.Where(p => p.Get is not null && CanHoldStrings(p.PropertyType)).ToArray();
        if (properties.Length == 0)
        {
            return;
        }
        var previous = type.OnDeserialized;
        type.OnDeserialized = value =>
        {
            foreach (var property in properties)
            {
                if (FirstNul(property.Get!(value)) is { } at)
                {
                    throw new NulCharacterException(at switch
                    {
                        "" => property.Name,
                        ['[', ..] => property.Name + at,
                        _ => $"{property.Name}.{at}",
                    });
                }
            }
            previous?.Invoke(value);
        };
    }

    private static bool CanHoldStrings(Type type) =>
        type == typeof(string) || typeof(IEnumerable<string>).IsAssignableFrom(type)
        || typeof(IEnumerable<KeyValuePair<string, string>>).IsAssignableFrom(type);

    /// <summary>Null when clean; otherwise where the NUL is, relative to the property: "" for the value itself, a
    /// dictionary's key for its value, or "[i]" for a list element. A NUL in a key is reported on the dictionary.</summary>
    private static string? FirstNul(object? value)
    {
        switch (value)
        {
            case string text:
                return text.Contains('\0', StringComparison.Ordinal) ? "" : null;
            case IEnumerable<KeyValuePair<string, string>> pairs:
                foreach (var (key, item) in pairs)
                {
                    if (key.Contains('\0', StringComparison.Ordinal))
                    {
                        return "";
                    }
                    if (item?.Contains('\0', StringComparison.Ordinal) == true)
                    {
                        return key;
                    }
                }
                return null;
            case IEnumerable<string> items:
                var index = 0;
                foreach (var item in items)
                {
                    if (item?.Contains('\0', StringComparison.Ordinal) == true)
                    {
                        return $"[{index}]";
                    }
                    index++;
                }
                return null;
            default:
                return null;
        }
    }
}

/// <summary>Thrown while reading a request body whose string holds a NUL character. <see cref="JsonException.Path"/> is
/// the object's path; <see cref="Property"/> the property within it, so the problem can name the field.</summary>
public sealed class NulCharacterException(string property) : JsonException(StrictJson.NulCharacterMessage)
{
    public string Property { get; } = property;
}
