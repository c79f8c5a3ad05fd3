using System.Text.Json;
using System.Text.RegularExpressions;
using LedgerX.ServiceDefaults.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace LedgerX.ServiceDefaults.Errors;

/// <summary>
/// Turns requests the framework rejected (malformed JSON, a query value of the wrong type, no body, oversized body) into
/// problem details with the status it chose. Where a field is at fault it is named, as a validation problem would; the
/// framework's own messages are not passed on, since they speak of .NET types ("Nullable&lt;int&gt; limit").
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails, IOptions<JsonOptions> jsonOptions)
    : IExceptionHandler
{
    private const string UnknownExpectation = "The value has the wrong type or format.";
    private const string BodyRequired = "A JSON request body is required.";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var problem = badRequest.InnerException is JsonException json
            ? UnreadableJson(json, httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint)
            : badRequest.StatusCode == StatusCodes.Status400BadRequest ? FromBinderMessage(badRequest.Message, httpContext.Request)
            // 413, 415, 408: the problem details setup says what the status means (and, for 413, the limit).
            : new ProblemDetails();
        problem.Status = badRequest.StatusCode;
        httpContext.Response.StatusCode = badRequest.StatusCode;

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>
    /// The binder's messages are the only place it says which parameter failed, so they are read here (and each form is
    /// pinned by a test, in case a framework update rewords it).
    /// </summary>
    private static ProblemDetails FromBinderMessage(string message, HttpRequest request)
    {
        if (FailedToBind().Match(message) is { Success: true } failed)
        {
            var name = AsSent(failed.Groups["name"].Value, request);
            var expected = ExpectedValue(failed.Groups["type"].Value);
            return Validation(name, expected, $"The parameter '{name}' is invalid: {expected}");
        }
        if (NotProvided().Match(message) is { Success: true } missing)
        {
            var name = AsSent(missing.Groups["name"].Value, request);
            return missing.Groups["source"].Value == "body"
                ? Validation("$", BodyRequired, BodyRequired)
                : Validation(name, $"The {name} parameter is required.", $"The {name} parameter is required.");
        }
        if (message.StartsWith("Implicit body inferred for parameter", StringComparison.Ordinal))
        {
            return Validation("$", BodyRequired, BodyRequired);
        }
        return new ProblemDetails();
    }

    /// <summary>The binder names a parameter as declared in C# (an [AsParameters] record's property is "MinScore"); the
    /// client knows it as it sent it, or as documented (camelCase).</summary>
    private static string AsSent(string name, HttpRequest request) =>
        request.Query.Keys.Concat(request.RouteValues.Keys).FirstOrDefault(key => string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
        ?? JsonNamingPolicy.CamelCase.ConvertName(name);

    private HttpValidationProblemDetails UnreadableJson(JsonException json, Endpoint? endpoint)
    {
        var field = FieldName(json.Path);
        if (json is NulCharacterException nul)
        {
            return BodyField(field == "$" ? nul.Property : $"{field}.{nul.Property}", json.Message);
        }
        var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var message = json.InnerException is JsonException ? "The request body is not valid JSON here."
            // System.Text.Json says so only in its message: a repeated field carries no inner exception and no other mark.
            : json.InnerException is null && json.Message.StartsWith("Duplicate propert", StringComparison.Ordinal)
                ? "The field appears more than once; send each field once."
                : ExpectedValue(bodyType, field);
        return BodyField(field, message);
    }

    /// <summary>The detail repeats the field and what is wrong with it, for a reader who does not look at <c>errors</c>.</summary>
    private static HttpValidationProblemDetails BodyField(string field, string message) =>
        Validation(field, message, field == "$" ? $"The request body is invalid: {message}" : $"The field '{field}' is invalid: {message}");

    private static HttpValidationProblemDetails Validation(string field, string message, string detail) =>
        new(new Dictionary<string, string[]> { [field] = [message] })
        {
            Detail = detail,
            Type = Problems.TypeUri(Problems.ValidationCode),
            Extensions = Problems.Code(Problems.ValidationCode),
        };

    /// <summary><c>$.postings[1].amount</c> becomes <c>postings[1].amount</c>; the root stays <c>$</c>.</summary>
    private static string FieldName(string? jsonPath) =>
        jsonPath is null || jsonPath == "$" ? "$"
        : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..]
        : jsonPath;

    /// <summary>The binder names the parameter's type in C# ("Nullable&lt;int&gt;", "Guid", "DateTimeOffset").</summary>
    private static string ExpectedValue(string clrTypeName)
    {
        var name = clrTypeName.StartsWith("Nullable<", StringComparison.Ordinal) ? clrTypeName[9..^1] : clrTypeName;
        return name switch
        {
            "Guid" => "The value is not a valid UUID.",
            "DateTimeOffset" or "DateTime" => "The value is not a valid date-time.",
            "DateOnly" => "The value is not a valid date (yyyy-MM-dd).",
            "bool" or "Boolean" => "The value is not a valid boolean.",
            "byte" or "sbyte" or "short" or "ushort" or "int" or "uint" or "long" or "ulong"
                or "Int16" or "Int32" or "Int64" or "UInt16" or "UInt32" or "UInt64" => "The value is not a valid integer.",
            "float" or "double" or "decimal" or "Single" or "Double" or "Decimal" => "The value is not a valid number.",
            _ => UnknownExpectation,
        };
    }

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

    // RequestDelegateFactory's wording (Microsoft.AspNetCore.Http.RequestDelegateFactory, .NET 8 to 10).
    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[^ "]+)" from ".*"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""^Required parameter "(?<type>.+) (?<name>[^ "]+)" was not provided from (?<source>[^.]+)\.$""")]
    private static partial Regex NotProvided();
}
