using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>
/// EF Core runs every query, SaveChanges and raw SQL statement through its execution strategy: that is where the breaker
/// wraps them. It never retries (a retry belongs to the caller, who knows whether the operation is idempotent), so
/// transactions the code begins itself work as before.
/// </summary>
internal sealed class BreakerExecutionStrategy<TContext>(ICurrentDbContext current, DatabaseBreaker<TContext> breaker) : IExecutionStrategy
    where TContext : DbContext
{
    public bool RetriesOnFailure => false;

    public TResult Execute<TState, TResult>(
        TState state, Func<DbContext, TState, TResult> operation, Func<DbContext, TState, ExecutionResult<TResult>>? verifySucceeded) =>
        breaker.Execute(() => operation(current.Context, state));

    public Task<TResult> ExecuteAsync<TState, TResult>(
        TState state, Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
        Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded, CancellationToken cancellationToken = default) =>
        breaker.ExecuteAsync(token => operation(current.Context, state, token), cancellationToken);
}

/// <summary>Replaces the provider's strategy factory (<c>ReplaceService</c>), so the service's own <c>UseNpgsql</c> call
/// stays as it is. The breaker is a singleton of the application's container, reached through the context's options.</summary>
internal sealed class BreakerExecutionStrategyFactory<TContext>(ICurrentDbContext current, IDbContextOptions options) : IExecutionStrategyFactory
    where TContext : DbContext
{
    private readonly DatabaseBreaker<TContext> _breaker =
        (options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider
            ?? throw new InvalidOperationException($"{typeof(TContext).Name} has no application service provider; register it with AddDbContext or AddDbContextPool."))
        .GetRequiredService<DatabaseBreaker<TContext>>();

    public IExecutionStrategy Create() => new BreakerExecutionStrategy<TContext>(current, _breaker);
}

/// <summary>
/// Refuses, while the breaker is open, what does not go through the execution strategy: opening a connection
/// (<c>BeginTransactionAsync</c>, <c>OpenConnectionAsync</c>, which the outbox relays start with) and commands EF sends
/// outside it (<c>ExecuteSql</c>). These are bounded by Npgsql's timeouts only and not counted by the breaker.
/// </summary>
internal sealed class BreakerGate<TContext>(DatabaseBreaker<TContext> breaker) : IDbConnectionInterceptor, IDbCommandInterceptor
    where TContext : DbContext
{
    public InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        Pass(result);

    public ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Pass(result));

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        Pass(result);

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Pass(result));

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
        Pass(result);

    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Pass(result));

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        Pass(result);

    public ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Pass(result));

    private T Pass<T>(T result)
    {
        breaker.ThrowIfOpen();
        return result;
    }
}
