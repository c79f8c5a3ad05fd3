using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.ServiceDefaults.Errors;

internal static class ProblemDetailsSetup
{
    public static IServiceCollection AddRfc9457ProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = AddTraceIdAndInstance);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Otherwise minimal APIs answer an unreadable body with a bare 400 and the field at fault is lost.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    private static void AddTraceIdAndInstance(ProblemDetailsContext context)
    {
        var request = context.HttpContext.Request;
        context.ProblemDetails.Instance ??= request.PathBase.Add(request.Path).Value;
        // The bare W3C trace id (not the full traceparent) is what the logs' @tr and Zipkin are searched by.
        context.ProblemDetails.Extensions["traceId"] =
            Activity.Current?.TraceId.ToHexString() ?? context.HttpContext.TraceIdentifier;
    }
}
