using LedgerX.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace LedgerX.Auth.Api.Apis;

/// <summary>Identity's errors as RFC 9457 validation problems naming the field at fault.</summary>
internal static class IdentityProblems
{
    public static ValidationProblem Of(IdentityResult result, string passwordField = "password") =>
        Problems.Validation(result.Errors
            .GroupBy(e => FieldOf(e.Code, passwordField))
            .Select(g => new KeyValuePair<string, string[]>(g.Key, [.. g.Select(e => e.Description)])));

    private static string FieldOf(string code, string passwordField) => code switch
    {
        _ when code.StartsWith("Password", StringComparison.Ordinal) => passwordField,
        "InvalidToken" => "token",
        "InvalidEmail" or "DuplicateEmail" or "InvalidUserName" or "DuplicateUserName" => "email",
        _ => "request",
    };
}
