using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LedgerX.ServiceDefaults.Errors;

/// <summary>
/// A request that failed because PostgreSQL is down, restarting or stalled answers 503 <c>database_unavailable</c> with
/// <c>Retry-After</c>, not 500: the failure is the outage's, the request may be sent again (money-moving ones with their
/// Idempotency-Key), and the gateway's breaker and the client both know to wait. "Transient" is Npgsql's own judgement
/// (<see cref="NpgsqlException.IsTransient"/>: connection refused or reset, timeouts, the pool exhausted while the
/// server stalls, admin or crash shutdown, too many connections). Npgsql drops the broken connections from its pool by
/// itself, so the next request after the outage gets a fresh one: nothing needs a restart.
/// </summary>
internal sealed partial class DatabaseUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<DatabaseUnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    public const string Code = "database_unavailable";

    /// <summary>A PostgreSQL restart takes a few seconds; a client asked to wait longer would wait for nothing.</summary>
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (TransientDatabaseFailure(exception) is not { } failure)
        {
            return false;
        }
        LogUnavailable(logger, failure.Message, httpContext.Request.Path);
        return await WriteAsync(httpContext, exception, problemDetails);
    }

    /// <summary>The 503 itself; also written by <see cref="Data.DatabaseWaitMiddleware"/> when a request stops waiting
    /// for its database call before the call has failed.</summary>
    internal static async Task<bool> WriteAsync(HttpContext httpContext, Exception exception, IProblemDetailsService? problemDetails = null)
    {
        problemDetails ??= httpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        var problem = Problems.Problem(StatusCodes.Status503ServiceUnavailable, Code,
            "The service's database cannot be reached just now; retry shortly.").ProblemDetails;
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>The transient Npgsql failure anywhere in the chain (EF Core and the app's own code wrap it).</summary>
    internal static NpgsqlException? TransientDatabaseFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true } npgsql)
            {
                return npgsql;
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable ({Reason}); {Path} answered 503")]
    private static partial void LogUnavailable(ILogger logger, string reason, PathString path);
}
