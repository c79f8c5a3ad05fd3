using System.Text.RegularExpressions;
using Serilog;
using Serilog.Context;

namespace LedgerX.Gateway.Api.Security;

/// <summary>
/// <c>X-Request-Id</c>: a well-formed one from the client is kept (so a client can find its own request in support
/// tickets), anything else is replaced by a fresh UUIDv7. It goes to the upstream, comes back on the response, and is a
/// property of every log line of the request and of the request's completion log.
/// </summary>
internal static partial class RequestId
{
    public const string Header = "X-Request-Id";
    public const string LogProperty = "RequestId";

    public static IApplicationBuilder UseRequestId(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var id = context.Request.Headers[Header] is [{ } sent] && WellFormed().IsMatch(sent) ? sent : Guid.CreateVersion7().ToString();
        context.Request.Headers[Header] = id;
        context.Response.Headers[Header] = id;
        context.RequestServices.GetService<IDiagnosticContext>()?.Set(LogProperty, id);
        using (LogContext.PushProperty(LogProperty, id))
        {
            await next(context);
        }
    });

    /// <summary>Short and plain, so it cannot inject into logs or headers downstream.</summary>
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex WellFormed();
}
