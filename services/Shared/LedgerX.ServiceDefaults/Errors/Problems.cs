using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.ServiceDefaults;

/// <summary>
/// RFC 9457 problem results for domain errors. Each carries a stable <c>code</c> extension and a
/// <c>type</c> of <c>https://ledgerx.dev/problems/&lt;code&gt;</c>, so clients branch on the code, not on prose.
/// </summary>
public static class Problems
{
    public const string TypeBaseUri = "https://ledgerx.dev/problems/";

    /// <summary>The code of every validation problem, including bodies the framework could not read.</summary>
    public const string ValidationCode = "validation";

    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ValidationProblem Validation(IEnumerable<KeyValuePair<string, string[]>> errors) =>
        TypedResults.ValidationProblem(errors, type: TypeUri(ValidationCode), extensions: Code(ValidationCode));

    public static ProblemHttpResult NotFound(string code, string detail) =>
        Problem(StatusCodes.Status404NotFound, code, detail);

    public static ProblemHttpResult Conflict(string code, string detail) =>
        Problem(StatusCodes.Status409Conflict, code, detail);

    /// <summary>A well-formed request the current state refuses, e.g. an Idempotency-Key reused with another body.</summary>
    public static ProblemHttpResult Unprocessable(string code, string detail) =>
        Problem(StatusCodes.Status422UnprocessableEntity, code, detail);

    public static ProblemHttpResult Problem(int statusCode, string code, string detail)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        return TypedResults.Problem(detail: detail, statusCode: statusCode, type: TypeUri(code), extensions: Code(code));
    }

    internal static string TypeUri(string code) => TypeBaseUri + code;

    internal static Dictionary<string, object?> Code(string code) => new() { ["code"] = code };
}
