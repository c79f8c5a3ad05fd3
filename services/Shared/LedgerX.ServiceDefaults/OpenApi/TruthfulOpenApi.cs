using Microsoft.OpenApi;

namespace LedgerX.ServiceDefaults.OpenApi;

/// <summary>
/// What the OpenAPI generator cannot see in a LedgerX service and every service shares, added to each document:
/// <list type="bullet">
/// <item>Request records make every field nullable so that a missing one is refused by name; a field without a default
/// is required, and a required field sent as null is refused too. So in request bodies a required field is not
/// nullable (the generator would say it is).</item>
/// <item>Every operation that reads a body can answer 400 (unreadable or invalid body), 413 (over the body limit) and
/// 415 (not JSON), and every operation with query parameters 400 (a value of the wrong type, or a NUL character):
/// the shared problem details produce these whatever the handler says.</item>
/// </list>
/// </summary>
internal static class TruthfulOpenApi
{
    public static void Apply(OpenApiDocument document)
    {
        var visited = new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance);
        foreach (var operation in (document.Paths ?? []).Values.SelectMany(p => p.Operations ?? []).Select(o => o.Value))
        {
            var responses = operation.Responses ??= [];
            if (operation.RequestBody?.Content is { } content)
            {
                foreach (var media in content.Values)
                {
                    RequiredMeansNotNull(document, media.Schema, visited);
                }
                AddProblem(document, responses, 400, "The body is not JSON of the documented shape, or a field is invalid (errors names it).", validation: true);
                AddProblem(document, responses, 413, "The body is larger than the service's limit (maxBodyBytes).");
                AddProblem(document, responses, 415, "The body is not sent as application/json.");
            }
            if (operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true)
            {
                AddProblem(document, responses, 400, "A query parameter has the wrong type or is out of range (errors names it).", validation: true);
            }
        }
    }

    private static void RequiredMeansNotNull(OpenApiDocument document, IOpenApiSchema? schema, HashSet<IOpenApiSchema> visited)
    {
        if (Resolve(document, schema) is not { } target || !visited.Add(target))
        {
            return;
        }
        foreach (var (name, property) in target.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (target.Required?.Contains(name) == true && property is OpenApiSchema { Type: { } type } inline)
            {
                inline.Type = type & ~JsonSchemaType.Null;
            }
            RequiredMeansNotNull(document, property, visited);
        }
        RequiredMeansNotNull(document, target.Items, visited);
        RequiredMeansNotNull(document, target.AdditionalProperties, visited);
    }

    private static OpenApiSchema? Resolve(OpenApiDocument document, IOpenApiSchema? schema) => schema switch
    {
        OpenApiSchema inline => inline,
        OpenApiSchemaReference reference when reference.Reference.Id is { } id
            && document.Components?.Schemas?.TryGetValue(id, out var target) == true => target as OpenApiSchema,
        _ => null,
    };

    private static void AddProblem(OpenApiDocument document, OpenApiResponses responses, int status, string description, bool validation = false)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (responses.ContainsKey(key))
        {
            return;
        }
        var schemaId = validation ? "HttpValidationProblemDetails" : "ProblemDetails";
        var response = new OpenApiResponse { Description = description };
        if (document.Components?.Schemas?.ContainsKey(schemaId) == true)
        {
            response.Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(schemaId, document) },
            };
        }
        responses[key] = response;
    }
}
