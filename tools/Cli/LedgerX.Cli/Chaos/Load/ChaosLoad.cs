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

/// <summary>
/// Background traffic through the gateway while a fault is on: transfer workers (closed loop, each transfer with a fresh
/// Idempotency-Key, every acknowledged one recorded) and one reader cycling through <see cref="RouteDependencies.Reads"/>
/// at a fixed pace. Every request is a <see cref="RequestSample"/>. The load engine (<c>./ledgerx load</c>)
/// measures throughput; this one only has to keep every route busy and remember what was acknowledged.
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
            var opened = await SendOkAsync(http, "/api/v1/accounts", new { currency = Currency }, ct);
            var id = Guid.Parse(opened["id"]!.GetValue<string>());
            await SendOkAsync(http, "/api/v1/deposits", new { accountId = id, amount = Funding, currency = Currency }, ct);
            accounts.Add(id);
        }

        return new ChaosLoad(http, accounts, settings);
    }

    private static async Task<JsonNode> SendOkAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.StatusCode == HttpStatusCode.Created
            ? JsonNode.Parse(text)!
            : throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
    }

    public void Start()
    {
        _clock.Start();
        _stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, _settings.TransferWorkers).Select(i => TransferLoopAsync(i, _stop.Token)).Append(ReadLoopAsync(_stop.Token));
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
internal sealed record ChaosLoadSettings(int Accounts = 8, int TransferWorkers = 4, double ReadsPerSecond = 20);
