using System.Diagnostics;
using System.Globalization;
using LedgerX.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LedgerX.ServiceDefaults.Errors;

/// <summary>
/// One shape for every error a LedgerX service answers, whoever produced it (a handler, the framework's binder, Kestrel's
/// limits, the status code pages): RFC 9457 with a <c>type</c> and stable <c>code</c>, a <c>title</c> that depends on the
/// status only, a <c>detail</c> a person can act on, and the request's <c>instance</c> and <c>traceId</c>.
/// </summary>
internal static class ProblemDetailsSetup
{
    public static IServiceCollection AddRfc9457ProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Complete);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        // Otherwise minimal APIs answer an unreadable body with a bare 400 and the field at fault is lost.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    private static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;
        problem.Status = status;
        // A title per status, never per producer: the framework's validation results and our own 400s used to differ.
        problem.Title = ReasonPhrases.GetReasonPhrase(status);
        problem.Instance ??= http.Request.PathBase.Add(http.Request.Path).Value;
        // The bare W3C trace id (not the full traceparent) is what the logs' @tr and Zipkin are searched by.
        problem.Extensions["traceId"] = Activity.Current?.TraceId.ToHexString() ?? http.TraceIdentifier;

        if (problem.Extensions.TryGetValue("code", out var code) && code is not null)
        {
            return;
        }
        // A problem that did not come from Problems.* (status code pages, the exception handler): give it the same code
        // and type as ours, and say what went wrong in words that do not depend on .NET.
        var (generic, detail) = Describe(status, http);
        problem.Type = Problems.TypeUri(generic);
        problem.Extensions["code"] = generic;
        problem.Detail ??= detail;
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            problem.Extensions["maxBodyBytes"] = MaxBodyBytes(http);
        }
    }

    private static (string Code, string Detail) Describe(int status, HttpContext http) => status switch
    {
        StatusCodes.Status400BadRequest => ("bad_request", "The request could not be read."),
        StatusCodes.Status401Unauthorized => ("unauthorized", "The request carries no valid credentials."),
        StatusCodes.Status403Forbidden => ("forbidden", "The caller may not do this."),
        StatusCodes.Status404NotFound => ("not_found", "Nothing is found at this path."),
        StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", $"{http.Request.Method} is not allowed on this path."),
        StatusCodes.Status408RequestTimeout => ("request_timeout", "The request body arrived too slowly."),
        StatusCodes.Status413PayloadTooLarge => ("request_too_large",
            string.Create(CultureInfo.InvariantCulture, $"The request body is larger than the limit of {MaxBodyBytes(http)} bytes.")),
        StatusCodes.Status415UnsupportedMediaType => ("unsupported_media_type",
            "The request body must be JSON, sent with Content-Type: application/json."),
        StatusCodes.Status500InternalServerError => ("internal_error",
            "An unexpected error occurred; the traceId identifies it in the service's logs."),
        StatusCodes.Status503ServiceUnavailable => ("unavailable", "The service cannot answer now; retry later."),
        _ => (string.Create(CultureInfo.InvariantCulture, $"http_{status}"), ReasonPhrases.GetReasonPhrase(status)),
    };

    /// <summary>The limit in force for this request (an endpoint may have its own), else the configured one.</summary>
    private static long MaxBodyBytes(HttpContext http) =>
        http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize
        ?? http.RequestServices.GetRequiredService<IOptions<HttpLimitsOptions>>().Value.MaxRequestBodyBytes;
}
