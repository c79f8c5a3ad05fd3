using System.Diagnostics;
using System.Globalization;
using LedgerX.Cli.Bench;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Nlp;

/// <summary>
/// One `ledgerx nlp-latency` run against a running system: every customer's live feed open (SSE, as `ledgerx ask` opens
/// it), one warm-up question answered, then Questions questions on a fixed schedule, each timed from its POST to its
/// <c>nlp.answer_completed</c> frame; beside each question, one transfer's round trip through the same gateway as the
/// baseline of the machine's load at that moment.
/// </summary>
internal static class NlpLatencyRunner
{
    /// <summary>Setup on a loaded 2-core box (the first question JITs every service on the path) can take a while.</summary>
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<int> RunAsync(IAnsiConsole console, NlpLatencySettings settings, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        var loadBefore = MachineLoad.OneMinute();
        var feeds = new List<LiveEvents>();
        var current = new MatcherHolder();
        var pumps = new List<Task>();
        try
        {
            var customer = new LedgerApiClient(http, settings.Gateway, settings.CustomerTokens[0]);
            var teller = new LedgerApiClient(http, settings.Gateway, settings.FundingToken);
            var from = await customer.OpenAccountAsync(NlpLatencySettings.Currency, ct);
            var to = await customer.OpenAccountAsync(NlpLatencySettings.Currency, ct);
            await teller.DepositAsync(from, settings.Questions + 1, NlpLatencySettings.Currency, ct);

            var clients = settings.CustomerTokens.Select(t => new NlpClient(http, settings.Gateway, t)).ToList();
            foreach (var client in clients)
            {
                var (feed, refused) = await LiveEvents.OpenAsync(client, ct);
                if (feed is null)
                {
                    throw new BenchSetupException($"a customer's live feed was refused: {refused!.Describe()}");
                }
                feeds.Add(feed);
                await feed.Ready.WaitAsync(SetupTimeout, ct);
                pumps.Add(PumpAsync(feed, current));
            }
            console.MarkupLine($"[grey]{clients.Count} customer(s), live feeds open through {Markup.Escape(settings.Gateway.ToString())}; warming up[/]");

            var warmup = current.Matcher = new AnswerLatencyMatcher(1);
            await AskAsync(clients[0], settings.Texts[0], warmup, ct);
            await WaitUntilAsync(() => warmup.CompletedCount == 1 || warmup.Failures.Count > 0, SetupTimeout, ct);
            if (warmup.CompletedCount != 1)
            {
                throw new BenchSetupException("the warm-up question was not answered within " + NlpClient.Seconds(SetupTimeout) +
                    (warmup.Failures.Count > 0 ? ": " + string.Join(", ", warmup.Failures.Keys) : ": is nlp-service running?"));
            }
            var measured = current.Matcher = new AnswerLatencyMatcher(settings.Questions);
            var transfers = new LatencyRecorder(settings.Questions);
            var transferFailures = 0;
            console.MarkupLine($"[grey]{settings.Questions} questions at {settings.Rate.ToString(CultureInfo.InvariantCulture)}/s, each beside one transfer[/]");

            var started = DateTimeOffset.UtcNow;
            var clock = Stopwatch.GetTimestamp();
            var inFlight = new List<Task>(settings.Questions * 2);
            for (var i = 0; i < settings.Questions; i++)
            {
                var due = TimeSpan.FromSeconds(i / settings.Rate) - Stopwatch.GetElapsedTime(clock);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, ct);
                }
                inFlight.Add(AskAsync(clients[i % clients.Count], settings.Texts[i % settings.Texts.Count], measured, ct));
                inFlight.Add(TransferAsync(customer, from, to, transfers, () => Interlocked.Increment(ref transferFailures), ct));
            }
            await Task.WhenAll(inFlight);
            await WaitUntilAsync(() => measured.Outstanding == 0, settings.AnswerTimeout, ct);

            var report = new NlpLatencyReport(started, Environment.ProcessorCount, loadBefore, MachineLoad.OneMinute(), settings.Gateway.ToString(), clients.Count,
                settings.Rate, settings.Questions, measured.AcceptedCount, measured.CompletedCount, settings.AnswerTimeout.TotalSeconds,
                measured.AskToAnswer.Summarize(), measured.Accepted.Summarize(), transfers.Summarize(), transferFailures,
                new SortedDictionary<string, int>(measured.Statuses.ToDictionary(), StringComparer.Ordinal),
                new SortedDictionary<string, int>(measured.Failures.ToDictionary(), StringComparer.Ordinal));
            report.Render(console);
            if (settings.JsonPath is { } path)
            {
                await File.WriteAllTextAsync(path, report.ToJson(), ct);
                console.MarkupLine($"[grey]report written to {Markup.Escape(path)}[/]");
            }
            return report.Problems().Count == 0 ? ExitCodes.Ok : ExitCodes.Discrepancy;
        }
        catch (Exception ex) when (ex is BenchSetupException or TimeoutException or IOException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.SetupFailed;
        }
        catch (HttpRequestException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(settings.Gateway.ToString())} cannot be reached: {Markup.Escape(ex.Message)}");
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
        finally
        {
            foreach (var feed in feeds)
            {
                await feed.DisposeAsync();
            }
            await Task.WhenAll(pumps);
        }
    }

    /// <summary>Routes every completed frame of a feed to the matcher of the moment (the warm-up's, then the run's).</summary>
    private static async Task PumpAsync(LiveEvents feed, MatcherHolder current)
    {
        await foreach (var frame in feed.Frames.ReadAllAsync())
        {
            if (frame is { Kind: NlpLiveFrame.AnswerCompleted, QuestionId: { } id })
            {
                current.Matcher?.Completed(id, AnswerLatencyMatcher.Now(), frame.Status ?? "unknown");
            }
        }
    }

    private sealed class MatcherHolder
    {
        private volatile AnswerLatencyMatcher? _matcher;

        public AnswerLatencyMatcher? Matcher { get => _matcher; set => _matcher = value; }
    }

    private static async Task AskAsync(NlpClient client, string text, AnswerLatencyMatcher matcher, CancellationToken ct)
    {
        try
        {
            var sentAt = AnswerLatencyMatcher.Now();
            var response = await client.AskAsync(text, null, null, ct);
            var acknowledgedAt = AnswerLatencyMatcher.Now();
            if (response.Status == 202 && NlpClient.IdOf(response.Body) is { } id)
            {
                matcher.Acknowledged(id, sentAt, acknowledgedAt);
                return;
            }
            matcher.Failed($"HTTP {response.Status}{(response.Problem.Code is { } code ? " " + code : "")}");
        }
        catch (HttpRequestException ex)
        {
            matcher.Failed("transport: " + ex.GetBaseException().Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            matcher.Failed("no answer to the POST in time");
        }
    }

    private static async Task TransferAsync(LedgerApiClient customer, Guid from, Guid to, LatencyRecorder recorder, Action failed, CancellationToken ct)
    {
        var sentAt = Stopwatch.GetTimestamp();
        var (outcome, _, _) = await customer.TransferAsync(from, to, 1, NlpLatencySettings.Currency, ct);
        if (outcome == TransferOutcome.Applied)
        {
            recorder.Record(sentAt, Stopwatch.GetTimestamp());
        }
        else
        {
            failed();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> done, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!done() && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(PollInterval, ct);
        }
    }
}
