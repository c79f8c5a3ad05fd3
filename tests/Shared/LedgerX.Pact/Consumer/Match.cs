using System.Text.Json.Nodes;

namespace LedgerX.Pact;

/// <summary>
/// A matching rule (and maybe a generator) for one value of a request or response. Serialises to pact_ffi's
/// integration JSON: <c>{"pact:matcher:type": ..., "value": example, ...}</c>.
/// </summary>
public interface IMatcher
{
}

/// <summary>A matcher as pact_ffi reads it. Every <see cref="IMatcher"/> the library hands out is one of these.</summary>
internal sealed class IntegrationMatcher(JsonObject definition, string example) : IMatcher
{
    /// <summary>The "pact:matcher:type" document; cloned on every use, the instance stays immutable.</summary>
    public JsonObject ToJson() => (JsonObject)definition.DeepClone();

    /// <summary>The example as plain text, for places that want no JSON (logs, error messages).</summary>
    public string Example { get; } = example;

    public override string ToString() => definition.ToJsonString();
}

/// <summary>The matchers the consumer DSL offers. Examples are what the mock server answers and what the pact file shows.</summary>
public static class Match
{
    // A UUID in any letter case: Guid.ToString() writes lower case, other stacks upper case.
    private const string UuidRegex = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

    /// <summary>Same JSON type as the example; for objects and arrays the rule cascades to every member.</summary>
    public static IMatcher Type(object example) => Matcher("type", example);

    /// <summary>A string matching the regular expression (anchor it: pact matches the whole value only if you do).</summary>
    public static IMatcher Regex(string example, string regex)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentException.ThrowIfNullOrEmpty(regex);
        if (!System.Text.RegularExpressions.Regex.IsMatch(example, regex))
        {
            throw new ArgumentException($"The example '{example}' does not match the regex '{regex}'.", nameof(example));
        }

        return Matcher("regex", example, ("regex", regex));
    }

    /// <summary>A JSON integer (no fraction).</summary>
    public static IMatcher Integer(long example) => Matcher("integer", example);

    /// <summary>A string holding a UUID.</summary>
    public static IMatcher Uuid(Guid example) => Matcher("regex", example.ToString(), ("regex", UuidRegex));

    /// <summary>A string holding a date-time in the Java DateTimeFormatter-style format, e.g. "yyyy-MM-dd'T'HH:mm:ss.SSSX".</summary>
    public static IMatcher Timestamp(string example, string format)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentException.ThrowIfNullOrEmpty(format);
        return Matcher("timestamp", example, ("format", format));
    }

    /// <summary>An array with at least <paramref name="min"/> elements, each like <paramref name="template"/>.</summary>
    public static IMatcher MinType(object template, int min)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentOutOfRangeException.ThrowIfNegative(min);

        // The example array holds max(min, 1) copies, so the example itself satisfies the rule it declares. Only the
        // first carries the template's matchers: pact_ffi would repeat every rule once per copy otherwise.
        var first = PactJson.ToNode(template);
        var examples = new JsonArray(first);
        for (var i = 1; i < min; i++)
        {
            examples.Add(PactJson.WithoutMatchers(first));
        }

        var definition = new JsonObject
        {
            ["pact:matcher:type"] = "type",
            ["min"] = min,
            ["value"] = examples,
        };
        return new IntegrationMatcher(definition, examples.ToJsonString());
    }

    /// <summary>Exactly this value (resets a type rule inherited from an enclosing matcher).</summary>
    public static IMatcher Equality(object example) => Matcher("equality", example);

    /// <summary>A string containing the substring.</summary>
    public static IMatcher Include(string substring)
    {
        ArgumentException.ThrowIfNullOrEmpty(substring);
        return Matcher("include", substring);
    }

    /// <summary>JSON null.</summary>
    public static IMatcher Null()
    {
        var definition = new JsonObject { ["pact:matcher:type"] = "null", ["value"] = null };
        return new IntegrationMatcher(definition, "null");
    }

    /// <summary>
    /// A value the provider state supplies at verification time: the state-change endpoint answers a JSON object and
    /// each <c>${name}</c> in <paramref name="expression"/> is replaced by that object's value. The consumer test's
    /// mock server uses <paramref name="example"/>. Works for paths, query values, headers and body fields.
    /// </summary>
    public static IMatcher FromProviderState(string expression, object example)
    {
        ArgumentException.ThrowIfNullOrEmpty(expression);
        ArgumentNullException.ThrowIfNull(example);
        var definition = new JsonObject
        {
            ["pact:matcher:type"] = "type",
            ["value"] = PactJson.ToNode(example),
            ["pact:generator:type"] = "ProviderState",
            ["expression"] = expression,
        };
        return new IntegrationMatcher(definition, PactJson.PlainText(example));
    }

    private static IntegrationMatcher Matcher(string type, object example, params (string Name, string Value)[] extra)
    {
        ArgumentNullException.ThrowIfNull(example);
        var definition = new JsonObject
        {
            ["pact:matcher:type"] = type,
            ["value"] = PactJson.ToNode(example),
        };
        foreach (var (name, value) in extra)
        {
            definition[name] = value;
        }

        return new IntegrationMatcher(definition, PactJson.PlainText(example));
    }
}
