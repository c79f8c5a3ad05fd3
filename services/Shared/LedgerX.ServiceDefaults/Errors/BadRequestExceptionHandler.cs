using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace LedgerX.ServiceDefaults.Errors;

/// <summary>
/// Turns requests the framework rejected (malformed JSON, oversized body, missing parameter) into problem details
/// with the status it chose; a JSON failure names the field at fault, as a validation problem would.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails, IOptions<JsonOptions> jsonOptions)
    : IExceptionHandler
{
    private const string UnknownExpectation = "The value has the wrong type or format.";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var problem = badRequest.InnerException is JsonException json
            ? UnreadableJson(json, httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint)
            // The framework's messages describe the request, never server state, so they are safe to return.
            : new ProblemDetails { Detail = badRequest.Message };
        problem.Status = badRequest.StatusCode;
        httpContext.Response.StatusCode = badRequest.StatusCode;

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private HttpValidationProblemDetails UnreadableJson(JsonException json, Endpoint? endpoint)
    {
        var field = FieldName(json.Path);
        var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var message = json.InnerException is JsonException
            ? "The request body is not valid JSON here."
            : ExpectedValue(bodyType, field);

        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Detail = "The request body could not be read.",
            Type = Problems.TypeUri(Problems.ValidationCode),
            Extensions = Problems.Code(Problems.ValidationCode),
        };
    }

    /// <summary><c>$.postings[1].amount</c> becomes <c>postings[1].amount</c>; the root stays <c>$</c>.</summary>
    private static string FieldName(string? jsonPath) =>
        jsonPath is null || jsonPath == "$" ? "$"
        : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..]
        : jsonPath;

    private string ExpectedValue(Type? bodyType, string field) =>
        PropertyType(bodyType, field) switch
        {
            { IsEnum: true } => "The value is not one of the allowed values.",
            Type type when type == typeof(Guid) => "The value is not a valid UUID.",
            Type type when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "The value is not a valid date-time.",
            Type type => Type.GetTypeCode(type) switch
            {
                TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32
                    or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "The value is not a valid integer.",
                TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "The value is not a valid number.",
                TypeCode.Boolean => "The value is not a valid boolean.",
                TypeCode.String => "The value is not a valid string.",
                _ => UnknownExpectation,
            },
            // The body type is known but has no such property: with strict JSON (unmapped members disallowed) that is
            // a misspelt or unsupported field, and saying so beats a vague "wrong type".
            null when bodyType is not null && field != "$" => "The request has no field of this name.",
            null => UnknownExpectation,
        };

    /// <summary>Walks the body's JSON contract along the path, so the message can say what was expected.</summary>
    private Type? PropertyType(Type? type, string field)
    {
        var options = jsonOptions.Value.SerializerOptions;
        var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var segment in field.Split('.'))
        {
            if (type is null)
            {
                return null;
            }

            var name = segment.Split('[')[0];
            type = options.GetTypeInfo(type).Properties.FirstOrDefault(p => string.Equals(p.Name, name, comparison))?.PropertyType;
            for (var index = 0; type is not null && index < segment.Count(c => c == '['); index++)
            {
                type = options.GetTypeInfo(type).ElementType;
            }
        }

        return type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
    }
}
