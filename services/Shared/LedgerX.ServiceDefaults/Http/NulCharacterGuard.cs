using LedgerX.ServiceDefaults.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.ServiceDefaults.Http;

/// <summary>
/// The query-string half of the NUL rule (<see cref="StrictJson"/> is the body half): PostgreSQL cannot hold a NUL in
/// text, even as a query parameter, so <c>?ownerId=%00</c> would otherwise end as a 500 from the database driver. A path
/// (so a route value) or header with a NUL never gets here: Kestrel refuses the request itself.
/// </summary>
internal static class NulCharacterGuard
{
    public static IApplicationBuilder UseNulCharacterGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (FieldWithNul(context.Request) is { } field)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [StrictJson.NulCharacterMessage] })
                {
                    Status = StatusCodes.Status400BadRequest,
                    Detail = "A parameter holds a character that cannot be stored.",
                    Type = Problems.TypeUri(Problems.ValidationCode),
                    Extensions = Problems.Code(Problems.ValidationCode),
                },
            });
            return;
        }
        await next(context);
    });

    private static string? FieldWithNul(HttpRequest request)
    {
        foreach (var (name, values) in request.Query)
        {
            if (name.Contains('\0', StringComparison.Ordinal))
            {
                return "query";
            }
            if (values.Any(value => value?.Contains('\0', StringComparison.Ordinal) == true))
            {
                return name;
            }
        }
        return null;
    }
}
