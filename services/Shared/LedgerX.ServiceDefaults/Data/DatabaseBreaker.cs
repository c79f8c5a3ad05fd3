using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>
/// The circuit breaker in front of <typeparamref name="TContext"/>'s database (ADR 0029). Every EF Core operation runs
/// through it (<see cref="BreakerExecutionStrategy{TContext}"/>), bounded by
/// <see cref="DatabaseBreakerOptions.OperationTimeoutMs"/>: at the bound the request is answered 503 at once
/// (<see cref="DatabaseWait"/>) and Polly's timeout cancels the call, which unwinds behind the answer. After
/// <see cref="DatabaseBreakerOptions.FailuresToOpen"/> failures in a row that say the database is gone (timeouts, lost
/// connections: <see cref="DatabaseFailures.IsDatabaseGone"/>) the breaker opens: the requests still waiting are
/// answered, and every new operation (and every connection or command EF would open or send,
/// <see cref="BreakerGate{TContext}"/>) fails at once with <see cref="DatabaseUnavailableException"/>, which a request
/// answers as 503 <c>database_unavailable</c>. Every <see cref="DatabaseBreakerOptions.BreakDurationMs"/> a
/// <c>SELECT 1</c> of the breaker's own (<see cref="DatabaseBreakerProbe{TContext}"/>) tries the database, so no
/// customer request is the half-open trial; its success closes the breaker.
/// Start-up (migrations, seeding) runs before the host has started and is neither bounded nor counted: a migration may
/// take long, and nothing is served yet.
/// </summary>
/// <remarks>Why not Polly's circuit breaker: it opens on a failure ratio over a sampling window, counting each outcome
/// when it completes. A partition's failures all complete one operation timeout after the fault, when the window still
/// holds the successes from before it, so it would open only once those had aged out; and its half-open trial is the
/// next real request, which waits a whole timeout each time. Failures in a row, as Dapr's breakers count them
/// (components/resiliency.yaml), open it on the first burst.</remarks>
public sealed partial class DatabaseBreaker<TContext> where TContext : DbContext
{
    private readonly DatabaseBreakerOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _timeout;
    private readonly IHttpContextAccessor _http;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _opened = new(0, 1);
    private readonly Lock _transition = new();
    private CancellationTokenSource _waiting = new();
    private int _failuresInARow;
    private volatile bool _open;
    private volatile bool _serving;

    public DatabaseBreaker(
        IOptions<DatabaseBreakerOptions> options, IHostApplicationLifetime lifetime, IHttpContextAccessor http, TimeProvider clock,
        ILogger<DatabaseBreaker<TContext>> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lifetime);
        _options = options.Value;
        _logger = logger;
        _http = http;
        _clock = clock;
        lifetime.ApplicationStarted.Register(() => _serving = true);
        _timeout = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddTimeout(TimeSpan.FromMilliseconds(_options.OperationTimeoutMs))
            .Build();
    }

    /// <summary>Operations are refused. Always false before the host has started.</summary>
    public bool IsOpen => _serving && _open;

    internal TimeSpan BreakDuration => TimeSpan.FromMilliseconds(_options.BreakDurationMs);

    /// <summary>Refuses at once while the breaker is open.</summary>
    public void ThrowIfOpen()
    {
        if (IsOpen)
        {
            throw new DatabaseUnavailableException(
                "The database is not answering (its circuit breaker is open); the request was refused without waiting.");
        }
    }

    public async Task<TResult> ExecuteAsync<TResult>(Func<CancellationToken, Task<TResult>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (!_serving)
        {
            return await operation(cancellationToken);
        }
        ThrowIfOpen();
        // The bound is kept apart from the call's own cancellation: Npgsql runs its (slow, in a partition) cancellation in
        // the token's callbacks, and the request must not wait for them (DatabaseWait).
        var request = _http.HttpContext?.Features.Get<DatabaseWait>();
        var counted = 0;
        using var bound = new CancellationTokenSource(TimeSpan.FromMilliseconds(_options.OperationTimeoutMs), _clock);
        using var overdue = bound.Token.Register(() =>
        {
            if (Interlocked.Exchange(ref counted, 1) == 0)
            {
                Failed($"no answer within {_options.OperationTimeoutMs} ms");
            }
            request?.GiveUp(new DatabaseUnavailableException($"The database did not answer within {_options.OperationTimeoutMs} ms."));
        });
        using var opened = request is null ? default : Volatile.Read(ref _waiting).Token.Register(() => request.GiveUp(
            new DatabaseUnavailableException("The database stopped answering while this request waited for it (its circuit breaker opened).")));
        try
        {
            var result = await _timeout.ExecuteAsync(async token => await operation(token), cancellationToken);
            if (Volatile.Read(ref counted) == 0)
            {
                Volatile.Write(ref _failuresInARow, 0);
            }
            return result;
        }
        catch (TimeoutRejectedException timeout)
        {
            if (Interlocked.Exchange(ref counted, 1) == 0)
            {
                Failed(timeout.Message);
            }
            throw new DatabaseUnavailableException($"The database did not answer within {_options.OperationTimeoutMs} ms.", timeout);
        }
        catch (Exception failure) when (Interlocked.Exchange(ref counted, 1) == 0 && Observe(failure, cancellationToken))
        {
            throw; // Never taken: Observe only counts.
        }
    }

    /// <summary>EF Core's synchronous API: counted and refused like the rest, but bounded only by Npgsql's command timeout
    /// (a synchronous call cannot be abandoned). LedgerX code is asynchronous; this is for what a library may still do.</summary>
    public TResult Execute<TResult>(Func<TResult> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (!_serving)
        {
            return operation();
        }
        ThrowIfOpen();
        try
        {
            var result = operation();
            Volatile.Write(ref _failuresInARow, 0);
            return result;
        }
        catch (Exception failure) when (Observe(failure, CancellationToken.None))
        {
            throw; // Never taken: Observe only counts.
        }
    }

    /// <summary>The breaker's trial while open: <paramref name="probe"/> under the operation timeout; its success closes
    /// the breaker, its failure leaves it open for another break.</summary>
    internal async Task ProbeAsync(Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        await _timeout.ExecuteAsync(async token => await probe(token), cancellationToken);
        Close();
    }

    /// <summary>Completes when the breaker has opened since the last call (the probe's cue).</summary>
    internal Task WaitUntilOpenedAsync(CancellationToken cancellationToken) => _opened.WaitAsync(cancellationToken);

    /// <summary>Counts a failed operation, as an exception filter (so the exception leaves unchanged): one that says the
    /// database is gone brings the breaker nearer to opening; any other answer from the server (a constraint, a
    /// deadlock) proves it there. The caller's own cancellation says nothing either way.</summary>
    private bool Observe(Exception failure, CancellationToken cancellationToken)
    {
        if (failure is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        if (DatabaseFailures.IsDatabaseGone(failure))
        {
            Failed(failure.GetBaseException().Message);
        }
        else
        {
            Volatile.Write(ref _failuresInARow, 0);
        }
        return false;
    }

    private void Failed(string reason)
    {
        if (Interlocked.Increment(ref _failuresInARow) < _options.FailuresToOpen)
        {
            return;
        }
        CancellationTokenSource waiting;
        lock (_transition)
        {
            if (_open)
            {
                return;
            }
            _open = true;
            waiting = _waiting;
            _waiting = new CancellationTokenSource();
        }
        // Whoever is still waiting for the database waits for nothing: their requests are answered now (DatabaseWait),
        // not at their own timeout. CancelAsync: not inside this failing call.
        _ = waiting.CancelAsync();
        if (_opened.CurrentCount == 0)
        {
            try
            {
                _opened.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
        LogOpened(_logger, typeof(TContext).Name, _options.FailuresToOpen, reason, _options.BreakDurationMs);
    }

    private void Close()
    {
        lock (_transition)
        {
            Volatile.Write(ref _failuresInARow, 0);
            if (!_open)
            {
                return;
            }
            _open = false;
        }
        LogClosed(_logger, typeof(TContext).Name);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Database breaker of {Context} opened after {Failures} failures in a row ({Reason}): operations that need it fail at once; a probe tries it every {BreakMs} ms")]
    private static partial void LogOpened(ILogger logger, string context, int failures, string reason, int breakMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database breaker of {Context} closed: the database answers again")]
    private static partial void LogClosed(ILogger logger, string context);
}
