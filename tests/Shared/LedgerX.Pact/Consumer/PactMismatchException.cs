using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LedgerX.Pact;

/// <summary>
/// The consumer did not do what its pact says: a declared request never came, came differently, or an undeclared
/// one came. The message lists each problem on its own line, e.g.
/// <c>POST /api/v1/x: body $.reason: Expected 12 (Integer) to be the same type as 'x' (String)</c>.
/// </summary>
public sealed class PactMismatchException : Exception
{
    public PactMismatchException()
        : this("The consumer's requests did not match the pact.")
    {
    }

    public PactMismatchException(string message)
        : base(message)
    {
        MismatchesJson = "[]";
    }

    public PactMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
        MismatchesJson = "[]";
    }

    internal PactMismatchException(string consumer, string provider, string mismatchesJson, string? mockServerLogs, Exception? exerciseFailure)
        : base(Describe(consumer, provider, mismatchesJson, exerciseFailure), exerciseFailure)
    {
        MismatchesJson = mismatchesJson;
        MockServerLogs = mockServerLogs;
    }

    /// <summary>The mock server's own report (a JSON array), for tools and for anyone who wants every detail.</summary>
    public string MismatchesJson { get; }

    /// <summary>The mock server's log for this test, when pact_ffi kept one.</summary>
    public string? MockServerLogs { get; }

    /// <summary>One readable line per problem, in the order the mock server reported them.</summary>
    internal static IReadOnlyList<string> DescribeMismatches(string mismatchesJson)
    {
        JsonArray entries;
        try
        {
            entries = JsonNode.Parse(mismatchesJson) as JsonArray ?? [];
        }
        catch (JsonException)
        {
            return [mismatchesJson];
        }

        var lines = new List<string>();
        foreach (var entry in entries.OfType<JsonObject>())
        {
            var kind = Text(entry["type"]);
            var request = $"{Text(entry["method"])} {Text(entry["path"])}".Trim();
            switch (kind)
            {
                case "missing-request":
                    lines.Add($"{Request(entry["request"], request)}: expected but never received");
                    break;
                case "request-not-found":
                    lines.Add($"{Request(entry["request"], request)}: received but not in the pact (unexpected request)");
                    break;
                case "request-mismatch":
                    var details = entry["mismatches"] as JsonArray ?? [];
                    if (details.Count == 0)
                    {
                        lines.Add($"{request}: differs from the pact");
                    }

                    foreach (var detail in details.OfType<JsonObject>())
                    {
                        lines.Add($"{request}: {DescribeDetail(detail)}");
                    }

                    break;
                default:
                    lines.Add($"{request}: {kind} {entry.ToJsonString()}".Trim());
                    break;
            }
        }

        return lines;
    }

    private static string Describe(string consumer, string provider, string mismatchesJson, Exception? exerciseFailure)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{consumer} → {provider}: the consumer's requests did not match the pact:");
        foreach (var line in DescribeMismatches(mismatchesJson))
        {
            text.Append("\n  - ").Append(line);
        }

        if (exerciseFailure is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n(the consumer code also failed: {exerciseFailure.GetType().Name}: {exerciseFailure.Message})");
        }

        return text.ToString();
    }

    private static string DescribeDetail(JsonObject detail)
    {
        var kind = Text(detail["type"]);
        var message = Text(detail["mismatch"]);
        var where = kind switch
        {
            "BodyMismatch" => $"body {Text(detail["path"])}",
            "BodyTypeMismatch" => "body content type",
            "HeaderMismatch" => $"header {Text(detail["key"])}",
            "QueryMismatch" => $"query {Text(detail["parameter"])}",
            "PathMismatch" => "path",
            "MethodMismatch" => "method",
            "StatusMismatch" => "status",
            _ => kind,
        };

        if (message.Length == 0)
        {
            message = $"expected {Text(detail["expected"])} but got {Text(detail["actual"])}";
        }

        return $"{where}: {message}";
    }

    private static string Request(JsonNode? request, string fallback)
    {
        if (request is not JsonObject r)
        {
            return fallback;
        }

        var method = Text(r["method"]);
        var path = Text(r["path"]);
        var query = r["query"] is JsonObject q && q.Count > 0
            ? "?" + string.Join('&', q.SelectMany(p => p.Value is JsonArray values ? values.Select(v => $"{p.Key}={Text(v)}") : [$"{p.Key}={Text(p.Value)}"]))
            : string.Empty;
        return $"{method} {path}{query}".Trim() is { Length: > 0 } described ? described : fallback;
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => string.Empty,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
