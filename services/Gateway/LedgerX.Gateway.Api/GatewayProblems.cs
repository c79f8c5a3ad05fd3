using System.Diagnostics;
using System.Text.Json;
using LedgerX.ServiceDefaults;
using Microsoft.AspNetCore.WebUtilities;

namespace LedgerX.Gateway.Api;

/// <summary>
/// The gateway's own refusals, in the one problem shape every LedgerX service answers with (ADR 0010): RFC 9457 with a
/// stable <c>code</c>. Written before or instead of a forward, so a client cannot tell from the shape whether the gateway
/// or a service refused.
/// </summary>
internal static class GatewayProblems
{
    public const string ContentType = "application/problem+json";

    /// <summary>Writes the problem through ASP.NET Core's problem details service (which adds title, instance and
    /// traceId as for any service error).</summary>
    public static Task WriteAsync(HttpContext context, int status, string code, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var result = Problems.Problem(status, code, detail);
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            result.ProblemDetails.Extensions[key] = value;
        }
        return result.ExecuteAsync(context);
    }

    /// <summary>The same shape as a string, for a response that is built outside the request pipeline (an open
    /// circuit breaker answers from inside the HTTP client).</summary>
    public static string Json(int status, string code, string detail, string? instance, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var problem = new Dictionary<string, object?>
        {
            ["type"] = Problems.TypeBaseUri + code,
            ["title"] = ReasonPhrases.GetReasonPhrase(status),
            ["status"] = status,
            ["detail"] = detail,
            ["instance"] = instance,
            ["code"] = code,
            ["traceId"] = Activity.Current?.TraceId.ToHexString(),
        };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem[key] = value;
        }
        return JsonSerializer.Serialize(problem, JsonSerializerOptions.Web);
    }
}
