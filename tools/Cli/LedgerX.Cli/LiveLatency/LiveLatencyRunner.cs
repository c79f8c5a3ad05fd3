using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LedgerX.Cli.Bench;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.LiveLatency;

/// <summary>
/// One `ledgerx live-latency` run against a running system: two accounts of the customer, one funding deposit, the
/// customer's WebSocket, a warm-up transfer whose frame proves the whole path (owner projection included) works,
/// then Rate × Duration transfers on a fixed schedule, each timed from its 201 to its first frame.
/// </summary>
internal static class LiveLatencyRunner
{
    /// <summary>Setup on a loaded 2-core box (first requests JIT every service on the path) can take a while.</summary>
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<int> RunAsync(IAnsiConsole console, LiveLatencySettings settings, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        var gateway = settings.GatewayUrl;
        var loadBefore = MachineLoad.OneMinute();
        LiveFeedSocket? feed = null;
        try
        {
            var customer = new LedgerApiClient(http, gateway, settings.CustomerToken);
            var teller = new LedgerApiClient(http, gateway, settings.FundingToken);
            var from = await customer.OpenAccountAsync(LiveLatencySettings.Currency, ct);
            var to = await customer.OpenAccountAsync(LiveLatencySettings.Currency, ct);
            // One deposit pays for every transfer and the warm-up: no transfer of the run can be refused for funds.
            await teller.DepositAsync(from, settings.Amount * (settings.Transfers + 1), LiveLatencySettings.Currency, ct);
            console.MarkupLine($"[grey]accounts {from} → {to} (owned by the customer), funded[/]");

            var warmup = new LatencyMatcher();
            feed = await LiveFeedSocket.OpenAsync(http, gateway, settings.CustomerToken, warmup, ct);
            await feed.Ready.WaitAsync(SetupTimeout, ct);
            var warmupEntry = await WarmUpAsync(http, settings, from, to, warmup, ct);
            await WaitUntilAsync(() => warmup.FramesAbout(warmupEntry) > 0, SetupTimeout, ct, feed,
                $"the warm-up transfer's frame (entry {warmupEntry}) did not arrive within {SetupTimeout.TotalSeconds:0} s: is notification-service's live feed running?");
            console.MarkupLine($"[grey]live feed open through {Markup.Escape(gateway.ToString())}; warm-up frame received; " +
                               $"{settings.Transfers} transfers at {settings.Rate.ToString(CultureInfo.InvariantCulture)}/s[/]");

            var measured = new LatencyMatcher();
            feed.MatchWith(measured);
            var started = DateTimeOffset.UtcNow;
            await PacedTransfersAsync(http, settings, from, to, measured, ct);
            // The frames of the last transfers are still on their way: wait for them, up to the frame timeout.
            await WaitUntilAsync(() => measured.Outstanding == 0, settings.FrameTimeout, ct, feed, failure: null);
            var report = new LiveLatencyReport(started, Environment.ProcessorCount, loadBefore, MachineLoad.OneMinute(), gateway.ToString(),
                settings.Rate, settings.Duration.TotalSeconds, settings.FrameTimeout.TotalSeconds, measured.Result(settings.Transfers), feed.ClosedBecause);
            report.Render(console);
            if (settings.JsonPath is { } path)
            {
                await File.WriteAllTextAsync(path, report.ToJson(), ct);
                console.MarkupLine($"[grey]report written to {Markup.Escape(path)}[/]");
            }
            return report.Problems().Count == 0 ? ExitCodes.Ok : ExitCodes.Discrepancy;
        }
        catch (Exception ex) when (ex is BenchSetupException or LiveLatencyException or TimeoutException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.SetupFailed;
        }
        catch (HttpRequestException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(gateway.ToString())} cannot be reached: {Markup.Escape(ex.Message)}");
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
        finally
        {
            if (feed is not null)
            {
                await feed.DisposeAsync();
            }
        }
    }

    private static async Task<Guid> WarmUpAsync(HttpClient http, LiveLatencySettings settings, Guid from, Guid to, LatencyMatcher warmup, CancellationToken ct)
    {
        var (entryId, failure) = await TransferAsync(http, settings, from, to, warmup, ct);
        return entryId ?? throw new LiveLatencyException($"the warm-up transfer failed: {failure}");
    }

    /// <summary>Open loop: transfer i starts at start + i / Rate whatever the earlier ones are doing, as independent
    /// customers would send them; a slow ledger shows as latency, not as a lower rate.</summary>
    private static async Task PacedTransfersAsync(HttpClient http, LiveLatencySettings settings, Guid from, Guid to, LatencyMatcher matcher, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>(settings.Transfers);
        for (var i = 0; i < settings.Transfers; i++)
        {
            var due = TimeSpan.FromSeconds(i / settings.Rate) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }
            inFlight.Add(TransferAsync(http, settings, from, to, matcher, ct));
        }
        await Task.WhenAll(inFlight);
    }

    /// <summary>One transfer through the gateway (v1 body); its entry id from the 201, or what went wrong.</summary>
    private static async Task<(Guid? EntryId, string? Failure)> TransferAsync(
        HttpClient http, LiveLatencySettings settings, Guid from, Guid to, LatencyMatcher matcher, CancellationToken ct)
    {
        var body = string.Create(CultureInfo.InvariantCulture,
            $$"""{"fromAccountId":"{{from}}","toAccountId":"{{to}}","amount":{{settings.Amount}},"currency":"{{LiveLatencySettings.Currency}}","description":"live-latency"}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, ServiceUrls.Api(settings.GatewayUrl, "api/v1/transfers"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.CustomerToken);
        string failure;
        try
        {
            var sentAt = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request, ct);
            var acknowledgedAt = Stopwatch.GetTimestamp();
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.Created && EntryId(text) is { } entryId)
            {
                matcher.Acknowledged(entryId, sentAt, acknowledgedAt);
                return (entryId, null);
            }
            failure = $"HTTP {(int)response.StatusCode}{(ProblemCode(text) is { } code ? " " + code : "")}";
        }
        catch (HttpRequestException ex)
        {
            failure = "transport: " + ex.GetBaseException().Message;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            failure = $"no answer within {http.Timeout.TotalSeconds:0} s";
        }
        matcher.Failed(failure);
        return (null, failure);
    }

    private static async Task WaitUntilAsync(Func<bool> done, TimeSpan timeout, CancellationToken ct, LiveFeedSocket feed, string? failure)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!done() && feed.ClosedBecause is null && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(PollInterval, ct);
        }
        if (!done() && failure is not null)
        {
            throw new LiveLatencyException(feed.ClosedBecause is { } closed ? $"{failure} ({closed})" : failure);
        }
    }

    private static Guid? EntryId(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("id", out var id) && id.TryGetGuid(out var guid) ? guid : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ProblemCode(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
