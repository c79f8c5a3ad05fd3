using LedgerX.ServiceDefaults;
using LedgerX.Transactions.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Maps a refused command to RFC 9457 problem details (through the shared <see cref="Problems"/>). The field at
/// fault, when known, appears in <c>errors</c>, shaped as in validation problems, so clients can point at it.</summary>
public static class LedgerProblems
{
    public static ProblemHttpResult From(LedgerError error)
    {
        var status = error.Kind switch
        {
            LedgerErrorKind.Validation => StatusCodes.Status400BadRequest,
            LedgerErrorKind.NotFound => StatusCodes.Status404NotFound,
            LedgerErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status422UnprocessableEntity,
        };
        var problem = Problems.Problem(status, error.Code, error.Message);
        if (error.Field is not null)
        {
            problem.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [error.Field] = [error.Message] };
        }
        return problem;
    }

    public static ProblemHttpResult NotFound(string what, Guid id) =>
        From(LedgerError.NotFound($"{what}_not_found", $"{char.ToUpperInvariant(what[0])}{what[1..]} {id} does not exist."));
}
