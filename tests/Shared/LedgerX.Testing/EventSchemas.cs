using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Json.Schema;

namespace LedgerX.Testing;

/// <summary>What a consumer's record demands of every event it binds.</summary>
public enum ConsumerRequires
{
    /// <summary>The fields the record itself makes mandatory: <c>required</c> members and non-nullable constructor
    /// parameters. Nullable and defaulted fields may be absent.</summary>
    DeclaredFields,

    /// <summary>Every field it reads: for a consumer that declares all fields nullable and refuses (drops) an event
    /// missing any of them, so each must be one the publisher always writes.</summary>
    EveryField,
}

/// <summary>An event or a consumer's record does not fit the topic's JSON Schema; the message lists every problem.</summary>
public sealed class EventContractException(string message) : Exception(message);

/// <summary>
/// The event contracts in <c>contracts/events/&lt;topic&gt;.schema.json</c>, for publishers' and consumers' tests.
/// Publishers validate the payloads they emit (<see cref="AssertValid(string, string)"/>); consumers check that every
/// field their record reads exists in the schema with a compatible JSON type, and that the fields they cannot do
/// without are ones the schema requires (<see cref="AssertConsumerReads"/>).
/// Each schema is built once per process, in a registry of its own (JsonSchema.Net refuses a second schema with the
/// same <c>$id</c> in one registry).
/// </summary>
public static class EventSchemas
{
    private static readonly ConcurrentDictionary<string, Lazy<JsonSchema>> Built = new(StringComparer.Ordinal);

    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    /// <summary>How the services bind events: camelCase names (System.Text.Json's web defaults).</summary>
    private static readonly JsonNamingPolicy Naming = JsonNamingPolicy.CamelCase;

    public static string Folder => RepositoryRoot.PathOf("contracts", "events");

    public static string PathOf(string topic) => Path.Combine(Folder, $"{topic}.schema.json");

    /// <summary>Every topic with a schema file.</summary>
    public static IReadOnlySet<string> Topics() =>
        Directory.GetFiles(Folder, "*.schema.json").Select(f => Path.GetFileName(f)[..^".schema.json".Length]).ToHashSet(StringComparer.Ordinal);

    /// <summary>The schema as JSON (a fresh copy each call), for tests about the schema document itself.</summary>
    public static JsonObject Document(string topic)
    {
        var path = PathOf(topic);
        if (!File.Exists(path))
        {
            throw new EventContractException($"{topic} has no schema: {path} does not exist.");
        }
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    public static JsonSchema Load(string topic) =>
        Built.GetOrAdd(topic, t => new Lazy<JsonSchema>(() =>
            JsonSchema.FromText(Document(t).ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }))).Value;

    /// <summary>The payload's problems against the topic's schema, one line each ("/postings/0/amount minimum: ..."); empty when valid.</summary>
    public static IReadOnlyList<string> Validate(string topic, JsonElement payload)
    {
        var result = Load(topic).Evaluate(payload, Strict);
        if (result.IsValid)
        {
            return [];
        }
        var errors = (result.Details ?? []).Append(result)
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")} {e.Key}: {e.Value}"))
            .Distinct()
            .ToList();
        return errors.Count > 0 ? errors : ["invalid (the validator gave no detail)"];
    }

    public static IReadOnlyList<string> Validate(string topic, string payload)
    {
        using var document = JsonDocument.Parse(payload);
        return Validate(topic, document.RootElement);
    }

    public static IReadOnlyList<string> Validate(string topic, byte[] payload)
    {
        using var document = JsonDocument.Parse(payload);
        return Validate(topic, document.RootElement);
    }

    public static void AssertValid(string topic, JsonElement payload) => ThrowIfAny(Validate(topic, payload), $"{topic} payload does not match its schema", payload.GetRawText());

    public static void AssertValid(string topic, string payload) => ThrowIfAny(Validate(topic, payload), $"{topic} payload does not match its schema", payload);

    public static void AssertValid(string topic, byte[] payload) =>
        ThrowIfAny(Validate(topic, payload), $"{topic} payload does not match its schema", System.Text.Encoding.UTF8.GetString(payload));

    /// <summary>
    /// What is wrong with <paramref name="record"/> as a reader of <paramref name="topic"/>: every property the
    /// deserializer sets (constructor parameters and settable properties, nested records and lists included) must be a
    /// property of the schema whose every allowed JSON value the CLR type can hold, and each property the consumer
    /// requires must be required by the schema. Empty when it fits.
    /// </summary>
    public static IReadOnlyList<string> CheckConsumerReads(string topic, Type record, ConsumerRequires requires = ConsumerRequires.DeclaredFields)
    {
        var problems = new List<string>();
        CheckObject(Document(topic), record, record.Name, requires, problems, []);
        return problems;
    }

    public static void AssertConsumerReads(string topic, Type record, ConsumerRequires requires = ConsumerRequires.DeclaredFields) =>
        ThrowIfAny(CheckConsumerReads(topic, record, requires), $"{record.FullName} does not fit {topic}'s schema ({PathOf(topic)})", null);

    private static void ThrowIfAny(IReadOnlyList<string> problems, string headline, string? payload)
    {
        if (problems.Count == 0)
        {
            return;
        }
        var message = $"{headline}:\n  - {string.Join("\n  - ", problems)}";
        throw new EventContractException(payload is null ? message : $"{message}\npayload: {payload}");
    }

    private static void CheckObject(JsonObject schema, Type type, string path, ConsumerRequires requires, List<string> problems, HashSet<Type> visiting)
    {
        if (!visiting.Add(type))
        {
            return; // a recursive type: its fields are checked where it first appears
        }
        var properties = schema["properties"] as JsonObject;
        var required = (schema["required"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        var read = ReadProperties(type).ToList();
        if (read.Count == 0)
        {
            problems.Add($"{path}: {type.Name} reads no property at all (is it the right type?)");
        }
        foreach (var field in read)
        {
            var at = $"{path}.{field.JsonName}";
            if (properties?[field.JsonName] is not JsonObject property)
            {
                problems.Add($"{at}: read by {type.Name}.{field.ClrName} ({TypeName(field.Type)}) but the schema has no such property");
                continue;
            }
            var mustBePresent = requires == ConsumerRequires.EveryField || field.Required;
            if (mustBePresent && !required.Contains(field.JsonName))
            {
                problems.Add($"{at}: {type.Name}.{field.ClrName} cannot do without it, but the schema does not require it");
            }
            CheckValue(property, field.Type, field.Nullable, at, requires, problems, visiting);
        }
        visiting.Remove(type);
    }

    private static void CheckValue(JsonObject schema, Type type, bool nullable, string path, ConsumerRequires requires, List<string> problems, HashSet<Type> visiting)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        nullable |= underlying is not null;
        type = underlying ?? type;
        if (IsAnyJson(type))
        {
            return;
        }
        var allowed = AllowedTypes(schema);
        if (allowed is null)
        {
            problems.Add($"{path}: the schema does not constrain its JSON type, but the consumer binds it to {TypeName(type)}");
            return;
        }
        if (allowed.Contains("null") && !nullable)
        {
            problems.Add($"{path}: the schema allows null, but {TypeName(type)} cannot hold it");
        }
        var accepted = Accepted(type);
        foreach (var json in allowed.Where(t => t != "null" && !accepted.Contains(t)))
        {
            problems.Add($"{path}: the schema allows a JSON {json}, which {TypeName(type)} cannot hold");
        }
        var format = schema["format"]?.GetValue<string>();
        if (RequiredFormat(type) is { } needed && format != needed && !(schema["enum"] is JsonArray enumerated && enumerated.All(v => Fits(type, v))))
        {
            problems.Add($"{path}: {TypeName(type)} needs format \"{needed}\", the schema says {(format is null ? "no format" : $"\"{format}\"")}");
        }
        if (IntegerRange(type) is { } range)
        {
            var minimum = schema["minimum"]?.GetValue<decimal>();
            var maximum = schema["maximum"]?.GetValue<decimal>();
            if (minimum is null || minimum < range.Min || maximum is null || maximum > range.Max)
            {
                problems.Add($"{path}: {TypeName(type)} holds {range.Min}..{range.Max}, the schema allows {minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-∞"}..{maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "∞"}");
            }
        }

        if (ElementType(type) is { } element)
        {
            if (schema["items"] is JsonObject items)
            {
                CheckValue(items, element, ElementNullable(type), $"{path}[]", requires, problems, visiting);
            }
            else
            {
                problems.Add($"{path}: the consumer reads its items as {TypeName(element)}, but the schema does not describe them");
            }
        }
        else if (DictionaryValueType(type) is { } value)
        {
            if (schema["additionalProperties"] is JsonObject values)
            {
                CheckValue(values, value, false, $"{path}{{}}", requires, problems, visiting);
            }
        }
        else if (accepted.SetEquals(["object"]))
        {
            CheckObject(schema, type, path, requires, problems, visiting);
        }
    }

    private sealed record ReadField(string ClrName, string JsonName, Type Type, bool Nullable, bool Required);

    /// <summary>The properties System.Text.Json sets when it binds the record: constructor parameters and properties with
    /// a setter or init (computed, get-only ones such as <c>IsComplete</c> are written, never read).</summary>
    private static IEnumerable<ReadField> ReadProperties(Type type)
    {
        var nullability = new NullabilityInfoContext();
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        var parameters = (constructor?.GetParameters() ?? []).ToDictionary(p => p.Name!, StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always })
            {
                continue;
            }
            parameters.TryGetValue(property.Name, out var parameter);
            if (parameter is null && property.SetMethod is not { IsPublic: true })
            {
                continue;
            }
            var jsonName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? Naming.ConvertName(property.Name);
            var nullable = parameter is not null
                ? nullability.Create(parameter).WriteState == NullabilityState.Nullable
                : nullability.Create(property).WriteState == NullabilityState.Nullable;
            var required = property.GetCustomAttribute<RequiredMemberAttribute>() is not null
                || property.GetCustomAttribute<JsonRequiredAttribute>() is not null
                || (parameter is not null && !parameter.HasDefaultValue && !nullable && Nullable.GetUnderlyingType(parameter.ParameterType) is null);
            yield return new ReadField(property.Name, jsonName, property.PropertyType, nullable, required);
        }
    }

    /// <summary>The JSON types the schema allows, from "type", else from "enum"/"const" values; null when unconstrained.</summary>
    private static HashSet<string>? AllowedTypes(JsonObject schema)
    {
        switch (schema["type"])
        {
            case JsonValue single:
                return [single.GetValue<string>()];
            case JsonArray many:
                return many.Select(t => t!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        }
        var values = schema["enum"] as JsonArray ?? (schema.ContainsKey("const") ? new JsonArray(schema["const"]?.DeepClone()) : null);
        return values?.Select(v => v is null ? "null" : v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => v.GetValue<decimal>() % 1 == 0 ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Array => "array",
            JsonValueKind.Object => "object",
            _ => "null",
        }).ToHashSet(StringComparer.Ordinal);
    }

    private static bool IsAnyJson(Type type) =>
        type == typeof(object) || type == typeof(JsonElement) || type == typeof(JsonDocument) || typeof(JsonNode).IsAssignableFrom(type);

    private static HashSet<string> Accepted(Type type)
    {
        if (type == typeof(string) || type == typeof(Guid) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(DateOnly)
            || type == typeof(TimeOnly) || type == typeof(TimeSpan) || type == typeof(char))
        {
            return ["string"];
        }
        if (type == typeof(bool))
        {
            return ["boolean"];
        }
        if (IntegerRange(type) is not null || type == typeof(long) || type == typeof(ulong))
        {
            return ["integer"];
        }
        if (type == typeof(decimal) || type == typeof(double) || type == typeof(float))
        {
            return ["integer", "number"];
        }
        if (type.IsEnum)
        {
            return ["string", "integer"];
        }
        if (ElementType(type) is not null)
        {
            return ["array"];
        }
        return ["object"];
    }

    private static string? RequiredFormat(Type type) =>
        type == typeof(Guid) ? "uuid"
        : type == typeof(DateTimeOffset) || type == typeof(DateTime) ? "date-time"
        : type == typeof(DateOnly) ? "date"
        : null;

    private static bool Fits(Type type, JsonNode? value)
    {
        if (value?.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }
        var text = value.GetValue<string>();
        return type == typeof(Guid) ? Guid.TryParse(text, out _) : DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _);
    }

    /// <summary>Integer types narrower than a JSON integer: the schema must bound the value to fit.</summary>
    private static (decimal Min, decimal Max)? IntegerRange(Type type) =>
        type == typeof(int) ? (int.MinValue, int.MaxValue)
        : type == typeof(uint) ? (uint.MinValue, uint.MaxValue)
        : type == typeof(short) ? (short.MinValue, short.MaxValue)
        : type == typeof(ushort) ? (ushort.MinValue, ushort.MaxValue)
        : type == typeof(byte) ? (byte.MinValue, byte.MaxValue)
        : type == typeof(sbyte) ? (sbyte.MinValue, sbyte.MaxValue)
        : null;

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string) || DictionaryValueType(type) is not null)
        {
            return null;
        }
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? type.GetGenericArguments()[0]
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    /// <summary>Lists of nullable value types say so in their element type; reference elements are taken as non-null.</summary>
    private static bool ElementNullable(Type type) => ElementType(type) is { } e && Nullable.GetUnderlyingType(e) is not null;

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>))
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)
                || i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments() is [var key, var value] && key == typeof(string) ? value : null;
    }

    private static string TypeName(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>" : type.Name;
}
