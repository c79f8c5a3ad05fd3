using System.Text.Json.Nodes;

namespace LedgerX.Gateway.Api.OpenApi;

/// <summary>One upstream's OpenAPI document, as fetched.</summary>
internal sealed record UpstreamDocument(string AppId, JsonObject Document);

/// <summary>
/// Merges the services' OpenAPI documents of one API version into the gateway's (a pure function, so it is tested
/// without any service). Only paths of that version are kept (subscriptions and health are not the public API). Schemas
/// with the same name and the same content are shared; a name two services use for different shapes is renamed
/// <c>&lt;App&gt;&lt;Name&gt;</c> in the later service's part, references included. The services' own security scheme is
/// replaced by the gateway's (tokens come from this gateway's <c>/connect/token</c>), and every operation also lists what
/// the gateway itself may answer: 429, 502, 503, 504.
/// </summary>
internal static class OpenApiMerger
{
    public const string SchemeId = "Bearer";
    public const string ProblemSchema = "GatewayProblemDetails";
    public const string UpstreamExtension = "x-ledgerx-upstream";
    private const string SchemaRefPrefix = "#/components/schemas/";

    private static readonly (string Status, string Description)[] GatewayResponses =
    [
        ("429", "Too many requests from this caller for the budget (reads, writes, sign-in, nlp); see Retry-After and RateLimit"),
        ("502", "The upstream service could not be reached (upstream_unreachable)"),
        ("503", "The upstream service is down or its circuit is open (upstream_unavailable); see Retry-After"),
        ("504", "The upstream service did not answer within the route's timeout (upstream_timeout)"),
    ];

    public static JsonObject Merge(string version, IReadOnlyList<UpstreamDocument> upstreams, IReadOnlyList<string> missing)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        var tags = new JsonArray();
        var tagNames = new HashSet<string>(StringComparer.Ordinal);
        var prefix = $"/api/{version}/";
        foreach (var upstream in upstreams)
        {
            var document = (JsonObject)upstream.Document.DeepClone();
            var renames = Renames(upstream.AppId, document, schemas);
            RewriteRefs(document, renames);
            foreach (var (name, schema) in Schemas(document))
            {
                var target = renames.GetValueOrDefault(name, name);
                if (!schemas.ContainsKey(target))
                {
                    schemas[target] = schema?.DeepClone();
                }
            }
            foreach (var (path, item) in document["paths"] as JsonObject ?? [])
            {
                if (!path.StartsWith(prefix, StringComparison.Ordinal) || item is not JsonObject operations || paths.ContainsKey(path))
                {
                    continue;
                }
                var copy = (JsonObject)operations.DeepClone();
                foreach (var (_, operation) in copy)
                {
                    if (operation is JsonObject op && op.ContainsKey("responses"))
                    {
                        op[UpstreamExtension] = upstream.AppId;
                        AddGatewayResponses(op);
                    }
                }
                paths[path] = copy;
            }
            foreach (var tag in document["tags"] as JsonArray ?? [])
            {
                if (tag?["name"]?.GetValue<string>() is { } name && tagNames.Add(name))
                {
                    tags.Add(tag.DeepClone());
                }
            }
        }
        schemas[ProblemSchema] = ProblemDetailsSchema();
        var description = "Every LedgerX service's API, served through the gateway: one host, one token (from /connect/token here).";
        if (missing.Count > 0)
        {
            description += $" Not included now, because they did not answer: {string.Join(", ", missing)}.";
        }
        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject { ["title"] = "LedgerX API", ["version"] = version, ["description"] = description },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/" }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas,
                ["securitySchemes"] = new JsonObject { [SchemeId] = GatewayScheme() },
            },
            ["tags"] = tags,
        };
    }

    private static IEnumerable<KeyValuePair<string, JsonNode?>> Schemas(JsonObject document) =>
        document["components"]?["schemas"] as JsonObject ?? [];

    /// <summary>Schema names of this document that already mean something else in the merged one.</summary>
    private static Dictionary<string, string> Renames(string appId, JsonObject document, JsonObject merged)
    {
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, schema) in Schemas(document))
        {
            if (merged[name] is { } existing && !JsonNode.DeepEquals(existing, schema))
            {
                renames[name] = Pascal(appId) + name;
            }
        }
        return renames;
    }

    private static void RewriteRefs(JsonNode? node, Dictionary<string, string> renames)
    {
        if (renames.Count == 0)
        {
            return;
        }
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue value && value.TryGetValue<string>(out var reference)
                    && reference.StartsWith(SchemaRefPrefix, StringComparison.Ordinal)
                    && renames.TryGetValue(reference[SchemaRefPrefix.Length..], out var renamed))
                {
                    obj["$ref"] = SchemaRefPrefix + renamed;
                }
                foreach (var (_, child) in obj.ToList())
                {
                    RewriteRefs(child, renames);
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    RewriteRefs(child, renames);
                }
                break;
        }
    }

    private static void AddGatewayResponses(JsonObject operation)
    {
        if (operation["responses"] is not JsonObject responses)
        {
            return;
        }
        foreach (var (status, description) in GatewayResponses)
        {
            if (!responses.ContainsKey(status))
            {
                responses[status] = new JsonObject
                {
                    ["description"] = description,
                    ["content"] = new JsonObject
                    {
                        ["application/problem+json"] = new JsonObject
                        {
                            ["schema"] = new JsonObject { ["$ref"] = SchemaRefPrefix + ProblemSchema },
                        },
                    },
                };
            }
        }
    }

    private static JsonObject GatewayScheme() => new()
    {
        ["type"] = "http",
        ["scheme"] = "bearer",
        ["bearerFormat"] = "JWT",
        ["description"] = "An access token (audience ledgerx-api) from this gateway's /connect/token, sent as Authorization: Bearer <token>. " +
            "The gateway refuses requests without a valid one (401) except on sign-in, registration and documentation routes; " +
            "each service checks the permissions an operation lists.",
    };

    private static JsonObject ProblemDetailsSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "RFC 9457 problem details with LedgerX's stable code.",
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string" },
            ["title"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "integer" },
            ["detail"] = new JsonObject { ["type"] = "string" },
            ["instance"] = new JsonObject { ["type"] = "string" },
            ["code"] = new JsonObject { ["type"] = "string" },
            ["traceId"] = new JsonObject { ["type"] = "string" },
        },
    };

    private static string Pascal(string appId) =>
        string.Concat(appId.Split('-', '.', '_').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
