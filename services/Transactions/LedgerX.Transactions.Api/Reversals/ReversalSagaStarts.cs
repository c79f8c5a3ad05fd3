using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using LedgerX.Transactions.Api.Apis;
using Microsoft.Extensions.Options;

namespace LedgerX.Transactions.Api.Reversals;

/// <summary>
/// The sagas of accepted reversals, waiting to be scheduled: the POST answers its 202 once the reversal is committed and
/// leaves the schedule here (issue 19: scheduling before answering was a workflow-engine round trip, a quarter of a lone
/// saga's time, in every request). Nothing here is durable, and nothing needs to be: the reversal row is (status
/// <c>pending</c>, no steps), and the <see cref="ReversalSweeper"/> starts any reversal whose saga does not exist once it
/// has been still for <see cref="ReversalOptions.SweepStaleAfterMs"/>, so a start lost with the process (a crash between
/// the 202 and the schedule) is made later by any replica. Bounded: when <see cref="ReversalOptions.StartQueueCapacity"/>
/// starts wait already, the request schedules its own saga before answering, as before (back-pressure, not memory).
/// </summary>
public sealed class ReversalSagaStartQueue
{
    private readonly Channel<PendingStart> _queue;
    private readonly ReversalSagaClient _sagas;
    private readonly Counter<long> _starts;

    public ReversalSagaStartQueue(ReversalSagaClient sagas, IOptions<ReversalOptions> options, IMeterFactory meters)
    {
        _sagas = sagas;
        _queue = Channel.CreateBounded<PendingStart>(new BoundedChannelOptions(options.Value.StartQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
        _starts = meters.Create(LedgerX.Transactions.Api.Observability.ReversalMetrics.MeterName).CreateCounter<long>("ledgerx.reversals.saga_starts",
            description: "Sagas of accepted reversals scheduled, by how (background, inline when the queue was full) and outcome " +
                         "(started, or left to the reversal sweeper).");
    }

    internal ChannelReader<PendingStart> Reader => _queue.Reader;

    /// <summary>Queues the start of a reversal's saga; a full queue starts it now instead, within the sidecar call's bound.
    /// <paramref name="isNew"/>: the reversal was created by this request, so no saga can have its id yet.</summary>
    public async Task EnqueueAsync(ReversalResponse reversal, bool isNew, CancellationToken ct)
    {
        if (!_queue.Writer.TryWrite(new PendingStart(reversal, isNew, Stopwatch.GetTimestamp())))
        {
            Count("inline", await _sagas.TryStartAsync(reversal, ct, isNew));
        }
    }

    internal void Count(string how, bool started) =>
        _starts.Add(1, new KeyValuePair<string, object?>("how", how), new KeyValuePair<string, object?>("outcome", started ? "started" : "left_to_sweeper"));

    internal void Complete() => _queue.Writer.TryComplete();

    internal sealed record PendingStart(ReversalResponse Reversal, bool IsNew, long QueuedAt);
}

/// <summary>
/// Schedules the queued sagas (<see cref="ReversalSagaStartQueue"/>), <see cref="ReversalOptions.StartConcurrency"/> at a
/// time, each call bounded by <see cref="ReversalOptions.SidecarCallTimeoutMs"/>; a start that fails is logged by the
/// <see cref="ReversalSagaClient"/>, counted, and left to the sweeper. When the host stops, what is still queued gets one
/// sidecar-call bound to be scheduled; what is left after it is the sweeper's, exactly as after a crash.
/// </summary>
public sealed class ReversalSagaStarter(ReversalSagaStartQueue queue, ReversalSagaClient sagas, IOptions<ReversalOptions> options,
    ILogger<ReversalSagaStarter> logger) : BackgroundService
{
    private readonly ReversalOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.WhenAll(Enumerable.Range(0, _options.StartConcurrency).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));
        queue.Complete();
        using var grace = new CancellationTokenSource(_options.SidecarCallTimeoutMs);
        var left = 0;
        while (queue.Reader.TryRead(out var start))
        {
            if (grace.IsCancellationRequested || !await TryStartAsync(start, grace.Token))
            {
                left++;
            }
        }
        if (left > 0)
        {
            logger.LogWarning("Stopping with {Count} reversal sagas not scheduled; the reversal sweeper starts them", left);
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (!stoppingToken.IsCancellationRequested && queue.Reader.TryRead(out var start))
                {
                    await TryStartAsync(start, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: ExecuteAsync drains what is left.
        }
    }

    private async Task<bool> TryStartAsync(ReversalSagaStartQueue.PendingStart start, CancellationToken ct)
    {
        // A start that waited long enough for the sweeper to have taken it may find the saga started, or even finished:
        // the engine would run a finished saga's id again, so such a start asks the engine first.
        var isNew = start.IsNew && Stopwatch.GetElapsedTime(start.QueuedAt) < TimeSpan.FromMilliseconds(_options.SweepStaleAfterMs / 2.0);
        bool started;
        try
        {
            started = await sagas.TryStartAsync(start.Reversal, ct, isNew);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            started = false;
        }
        queue.Count("background", started);
        return started;
    }
}
