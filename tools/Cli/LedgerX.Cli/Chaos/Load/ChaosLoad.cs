using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LedgerX.Cli.Chaos.Load;

/// <summary>One request of the background load: when (since the load started), which route, the answer, how long.</summary>
/// <param name="Status">The HTTP status, or 0 when no answer came (refused, reset, timed out).</param>
internal readonly record struct RequestSample(double AtMs, string Route, int Status, double LatencyMs)
{
    public bool Succeeded => Status is >= 200 and < 300;
}

/// <summary>A transfer the load asked for, with its Idempotency-Key; <see cref="EntryId"/> once acknowledged (201).</summary>
internal sealed record TransferAttempt(string Key, Guid From, Guid To, long Amount)
{
    public Guid? EntryId { get; set; }

    public int LastStatus { get; set; }
}

/// <summary>A reversal of one acknowledged transfer the load asked for, with its Idempotency-Key; <see cref="ReversalId"/>
/// once accepted (202: the saga is started, or left to the sweeper).</summary>
internal sealed record ReversalAttempt(string Key, Guid EntryId)
{
    public Guid? ReversalId { get; set; }

    public int LastStatus { get; set; }

    /// <summary>No answer, or a 5xx: the client does not know whether the reversal was recorded.</summary>
    public bool OutcomeUnknown => ReversalId is null && (LastStatus == 0 || LastStatus >= 500);
}

/// <summary>
/// Background traffic through the gateway while a fault is on: transfer workers (closed loop, each transfer with a fresh
/// Idempotency-Key, every acknowledged one recorded), a reverser (reversals of acknowledged transfers at a fixed pace,
/// each saga below the approval threshold so it runs to its end; every accepted one recorded) and one reader cycling
/// through <see cref="RouteDependencies.Reads"/> at a fixed pace. Every request is a <see cref="RequestSample"/>.
/// Why not <c>./ledgerx load</c>'s engine (<c>LoadRun</c>): availability is judged per route over a time window, and
/// the exactly-once checks need every command the load sent (acknowledged or not, with its key); the engine keeps
/// per-series latencies without send times and only the acknowledged commands (docs/chaos.md, "Not yet").
/// </summary>
internal sealed class ChaosLoad : IAsyncDisposable
{
    public const string Currency = "EUR";
    private const long Funding = 1_000_000_00;
    /// <summary>Each request's own limit: a hung route must show as a failure, not stall the load.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly IReadOnlyList<Guid> _accounts;
    private readonly ChaosLoadSettings _settings;
    private readonly ConcurrentQueue<RequestSample> _samples = new();
    private readonly ConcurrentQueue<TransferAttempt> _transfers = new();
    private readonly ConcurrentQueue<ReversalAttempt> _reversals = new();
    /// <summary>Acknowledged transfers not yet reversed: the reverser takes each at most once.</summary>
    private readonly ConcurrentQueue<TransferAttempt> _reversible = new();
    private readonly Stopwatch _clock = new();
    private CancellationTokenSource? _stop;
    private Task _running = Task.CompletedTask;

    private ChaosLoad(HttpClient http, IReadOnlyList<Guid> accounts, ChaosLoadSettings settings)
    {
        _http = http;
        _accounts = accounts;
        _settings = settings;
    }

    public IReadOnlyList<Guid> Accounts => _accounts;

    /// <summary>The gateway, as the load's caller (its bearer token set), for the checks that read through the API.</summary>
    public HttpClient Http => _http;

    /// <summary>Milliseconds since the load first started (the time base of <see cref="RequestSample.AtMs"/>).</summary>
    public double NowMs => _clock.Elapsed.TotalMilliseconds;

    public IReadOnlyCollection<TransferAttempt> Transfers => _transfers;

    public IReadOnlyCollection<ReversalAttempt> Reversals => _reversals;

    /// <summary>Samples in [fromMs, toMs).</summary>
    public IReadOnlyList<RequestSample> SamplesBetween(double fromMs, double toMs) =>
        [.. _samples.Where(s => s.AtMs >= fromMs && s.AtMs < toMs)];

    /// <summary>Opens and funds the accounts the transfers move money between, as <paramref name="http"/>'s caller (the
    /// machine client, <see cref="ChaosSystem.MachineClientAsync"/>); the load owns the client from here.</summary>
    public static async Task<ChaosLoad> PrepareAsync(HttpClient http, ChaosLoadSettings settings, CancellationToken ct)
    {
        var accounts = new List<Guid>();
        for (int i = 0; i < settings.Accounts; i++)
        {
            var id = await GatewayCommands.CreateAsync(http, "/api/v1/accounts", new { currency = Currency }, ct);
            await GatewayCommands.CreateAsync(http, "/api/v1/deposits", new { accountId = id, amount = Funding, currency = Currency }, ct);
            accounts.Add(id);
        }

        return new ChaosLoad(http, accounts, settings);
    }

    public void Start()
    {
        _clock.Start();
        _stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, _settings.TransferWorkers).Select(i => TransferLoopAsync(i, _stop.Token)).Append(ReadLoopAsync(_stop.Token));
        if (_settings.ReversalsPerSecond > 0)
        {
            workers = workers.Append(ReverseLoopAsync(_stop.Token));
        }

        _running = Task.WhenAll(workers);
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
        _stop = null;
        _clock.Stop();
    }

    private async Task TransferLoopAsync(int worker, CancellationToken stop)
    {
        var random = new Random(worker);
        while (!stop.IsCancellationRequested)
        {
            int from = random.Next(_accounts.Count);
            int to = (from + 1 + random.Next(_accounts.Count - 1)) % _accounts.Count;
            var attempt = new TransferAttempt(Guid.NewGuid().ToString(), _accounts[from], _accounts[to], 1 + random.Next(100));
            _transfers.Enqueue(attempt);
            await SendTransferAsync(attempt, stop);
            // A refused or failed request answers at once: without a pause the loop would spin through the outage.
            if (attempt.EntryId is null)
            {
                await Pause(TimeSpan.FromMilliseconds(50), stop);
            }
        }
    }

    /// <summary>Sends (or, for a transfer whose outcome is unknown, sends again with the same key) and records it.</summary>
    public async Task SendTransferAsync(TransferAttempt attempt, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, RouteDependencies.Transfer.Path)
        {
            Content = JsonContent.Create(new { fromAccountId = attempt.From, toAccountId = attempt.To, amount = attempt.Amount, currency = Currency }),
        };
        request.Headers.Add("Idempotency-Key", attempt.Key);
        var (status, body) = await TimedSendAsync(RouteDependencies.Transfer.Name, request, readBody: true, ct);
        attempt.LastStatus = status;
        if (status == (int)HttpStatusCode.Created && body is not null && JsonNode.Parse(body)?["id"]?.GetValue<string>() is { } id)
        {
            attempt.EntryId = Guid.Parse(id);
            _reversible.Enqueue(attempt);
        }
    }

    /// <summary>Closed loop at <see cref="ChaosLoadSettings.ReversalsPerSecond"/> at most: each acknowledged transfer is
    /// reversed once (a fresh key per reversal; only a retry of an unknown outcome reuses it).</summary>
    private async Task ReverseLoopAsync(CancellationToken stop)
    {
        var interval = TimeSpan.FromSeconds(1.0 / _settings.ReversalsPerSecond);
        var next = _clock.Elapsed;
        while (!stop.IsCancellationRequested)
        {
            if (_reversible.TryDequeue(out var transfer))
            {
                var attempt = new ReversalAttempt(Guid.NewGuid().ToString(), transfer.EntryId!.Value);
                _reversals.Enqueue(attempt);
                await SendReversalAsync(attempt, stop);
            }

            next += interval;
            var wait = next - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Pause(wait, stop);
            }
            else
            {
                // Behind schedule (a hung request): start again from now rather than catching up in a burst.
                next = _clock.Elapsed;
            }
        }
    }

    /// <summary>Sends (or, for a reversal whose outcome is unknown, sends again with the same key) and records it.</summary>
    public async Task SendReversalAsync(ReversalAttempt attempt, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, RouteDependencies.Reversal.Path)
        {
            Content = JsonContent.Create(new { entryId = attempt.EntryId, reason = "chaos load" }),
        };
        request.Headers.Add("Idempotency-Key", attempt.Key);
        var (status, body) = await TimedSendAsync(RouteDependencies.Reversal.Name, request, readBody: true, ct);
        attempt.LastStatus = status;
        if (status == (int)HttpStatusCode.Accepted && body is not null && JsonNode.Parse(body)?["id"]?.GetValue<string>() is { } id)
        {
            attempt.ReversalId = Guid.Parse(id);
        }
    }

    private async Task ReadLoopAsync(CancellationToken stop)
    {
        var interval = TimeSpan.FromSeconds(1.0 / _settings.ReadsPerSecond);
        var next = _clock.Elapsed;
        for (long i = 0; !stop.IsCancellationRequested; i++)
        {
            var probe = RouteDependencies.Reads[(int)(i % RouteDependencies.Reads.Count)];
            var path = probe.Path.Replace("{account}", _accounts[(int)(i % _accounts.Count)].ToString(), StringComparison.Ordinal);
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            // Open loop: the next read is due on the schedule, not after this one answered (a hung route must not slow the others).
            _ = TimedSendAsync(probe.Name, request, readBody: false, stop).ContinueWith(_ => request.Dispose(), TaskScheduler.Default);
            next += interval;
            var wait = next - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Pause(wait, stop);
            }
        }
    }

    private async Task<(int Status, string? Body)> TimedSendAsync(string route, HttpRequestMessage request, bool readBody, CancellationToken ct)
    {
        double at = _clock.Elapsed.TotalMilliseconds;
        var watch = Stopwatch.StartNew();
        int status = 0;
        string? body = null;
        try
        {
            using var response = await _http.SendAsync(request, ct);
            status = (int)response.StatusCode;
            body = readBody ? await response.Content.ReadAsStringAsync(ct) : null;
        }
        catch (HttpRequestException)
        {
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // The client's timeout: no answer, recorded as status 0.
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return (0, null);
        }

        _samples.Enqueue(new RequestSample(at, route, status, watch.Elapsed.TotalMilliseconds));
        return (status, body);
    }

    private static async Task Pause(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
    }
}

/// <summary>How much background load a chaos run puts on the system.</summary>
/// <param name="ReversalsPerSecond">0 (the tests' short runs): no reversals; <see cref="Full"/> is what
/// <c>./ledgerx chaos</c> runs, so that "sagas terminal" sees sagas under every fault.</param>
internal sealed record ChaosLoadSettings(int Accounts = 8, int TransferWorkers = 4, double ReadsPerSecond = 20, double ReversalsPerSecond = 0)
{
    /// <summary>The load of <c>./ledgerx chaos</c>: a reversal saga started every second beside the transfers and reads.</summary>
    public static readonly ChaosLoadSettings Full = new(ReversalsPerSecond: 1);
}
