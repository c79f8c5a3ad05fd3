using LedgerX.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>
/// Lets a request give up on its database call. Npgsql cannot abandon a call to a partitioned server promptly: a
/// cancelled or timed-out command first sends PostgreSQL a cancel request over a new connection, which hangs too, so the
/// call returns only when Npgsql's own timeouts have run out, seconds later. The breaker therefore does not wait for the
/// call to answer the request: when the call outlives its bound, or the breaker opens while it waits, the request is
/// answered 503 <c>database_unavailable</c> at once, and the call unwinds behind the answer, its DbContext and request
/// scope kept until it has (ADR 0029).
/// </summary>
internal sealed class DatabaseWait
{
    private readonly TaskCompletionSource<DatabaseUnavailableException> _gaveUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<DatabaseUnavailableException> GaveUp => _gaveUp.Task;

    public void GiveUp(DatabaseUnavailableException reason) => _gaveUp.TrySetResult(reason);
}

internal static class DatabaseWaitMiddleware
{
    /// <summary>Answers 503 as soon as the request's database call gives up (<see cref="DatabaseWait"/>), unless the
    /// response has started. Only where a database breaker is registered.</summary>
    public static IApplicationBuilder UseDatabaseWaitBound(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.RequestServices.GetService<DatabaseBreakerMarker>() is null)
        {
            await next(context);
            return;
        }
        var wait = new DatabaseWait();
        context.Features.Set(wait);
        var handler = next(context);
        if (handler.IsCompleted || await Task.WhenAny(handler, wait.GaveUp) == handler || context.Response.HasStarted)
        {
            await handler;
            return;
        }

        await DatabaseUnavailableExceptionHandler.WriteAsync(context, await wait.GaveUp);
        await context.Response.CompleteAsync();
        try
        {
            // The request scope (and the DbContext in it) lives until the abandoned call has unwound.
            await handler;
        }
        catch (Exception)
        {
            // The request has had its answer; the call's own failure (most likely the same outage) was logged by EF Core.
        }
    });
}

/// <summary>Registered with the first database breaker, so requests of services without one skip the bound.</summary>
internal sealed class DatabaseBreakerMarker;
