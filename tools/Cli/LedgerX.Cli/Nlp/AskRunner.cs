using System.Diagnostics;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Nlp;

/// <summary>
/// One `ledgerx ask`: open the live feed, ask (202 at once), print the answer's pieces as they arrive, then read the
/// question with its figures and citations. Without a usable feed (refused, or `--no-stream`) it polls the question
/// instead, backing off to one read a second (reads are the gateway's `reads` budget; only asking spends `nlp`).
/// Ctrl-C cancels the question on the server before leaving.
/// </summary>
internal static class AskRunner
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan[] PollSchedule = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

    public static async Task<int> AskAsync(IAnsiConsole console, TextWriter stdout, NlpClient client, AskSettings settings, string question, CancellationToken ct)
    {
        LiveEvents? feed = null;
        Guid? asked = null;
        try
        {
            if (settings.Stream)
            {
                feed = await OpenFeedAsync(console, client, settings, ct);
            }
            var response = await client.AskAsync(question, settings.TimeZone, settings.Language, ct);
            if (!response.IsSuccess || NlpClient.IdOf(response.Body) is not { } id)
            {
                return Refused(console, "the question was not accepted", response);
            }
            asked = id;
            if (!settings.Json)
            {
                console.MarkupLine($"[grey]asked: question {id}, queued[/]");
            }
            var deadline = Stopwatch.GetTimestamp() + (long)(settings.Timeout.TotalSeconds * Stopwatch.Frequency);
            var streamed = feed is null ? null : await FollowAsync(console, feed, id, settings.Json, deadline, ct);
            var final = await PollAsync(client, id, deadline, ct);
            if (final is null)
            {
                console.MarkupLine($"[yellow]no answer within {NlpClient.Seconds(settings.Timeout)}[/]: question {id} is still being worked on; " +
                                   $"read it later with `ledgerx ask --show {id}`");
                return ExitCodes.Discrepancy;
            }
            return Show(console, stdout, final.Value.Response, final.Value.Question, settings.Json, streamed);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (asked is { } id)
            {
                await CancelOnExitAsync(console, client, id);
            }
            return ExitCodes.Cancelled;
        }
        catch (HttpRequestException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(client.Gateway.ToString())} cannot be reached: {Markup.Escape(ex.Message)}");
            return ExitCodes.Unreachable;
        }
        catch (TaskCanceledException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(client.Gateway.ToString())} did not answer in time");
            return ExitCodes.Unreachable;
        }
        finally
        {
            if (feed is not null)
            {
                await feed.DisposeAsync();
            }
        }
    }

    /// <summary>`ledgerx ask --show ID`: a question asked earlier.</summary>
    public static async Task<int> ShowAsync(IAnsiConsole console, TextWriter stdout, NlpClient client, Guid id, bool json, CancellationToken ct) =>
        await CallAsync(console, client, async () =>
        {
            var response = await client.GetAsync(id, ct);
            return response.IsSuccess ? Show(console, stdout, response, QuestionDocument.Parse(response.Body), json, streamed: null) : Refused(console, "no such question", response);
        });

    /// <summary>`ledgerx ask --cancel ID`.</summary>
    public static async Task<int> CancelAsync(IAnsiConsole console, NlpClient client, Guid id, CancellationToken ct) =>
        await CallAsync(console, client, async () =>
        {
            var response = await client.CancelAsync(id, ct);
            if (!response.IsSuccess)
            {
                return Refused(console, "not cancelled", response);
            }
            console.MarkupLine($"[green]cancelled[/] question {id}");
            return ExitCodes.Ok;
        });

    /// <summary>`ledgerx ask --rate ID SCORE [--comment TEXT]`: feedback stored for evaluation.</summary>
    public static async Task<int> RateAsync(IAnsiConsole console, NlpClient client, Guid id, int score, string? comment, CancellationToken ct) =>
        await CallAsync(console, client, async () =>
        {
            var response = await client.RateAsync(id, score, comment, ct);
            if (!response.IsSuccess)
            {
                return Refused(console, "not rated", response);
            }
            console.MarkupLine($"[green]rated[/] question {id}: {score}/5{(comment is null ? "" : " with a comment")}; thank you");
            return ExitCodes.Ok;
        });

    private static async Task<int> CallAsync(IAnsiConsole console, NlpClient client, Func<Task<int>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpRequestException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(client.Gateway.ToString())} cannot be reached: {Markup.Escape(ex.Message)}");
            return ExitCodes.Unreachable;
        }
    }

    private static async Task<LiveEvents?> OpenFeedAsync(IAnsiConsole console, NlpClient client, AskSettings settings, CancellationToken ct)
    {
        var (feed, refused) = await LiveEvents.OpenAsync(client, ct);
        if (feed is null)
        {
            if (!settings.Json)
            {
                console.MarkupLine($"[yellow]the live feed was refused[/] ({Markup.Escape(refused!.Describe())}); following the answer by reading it instead");
            }
            return null;
        }
        try
        {
            await feed.Ready.WaitAsync(ReadyTimeout, ct);
            return feed;
        }
        catch (Exception ex) when (ex is TimeoutException or IOException)
        {
            if (!settings.Json)
            {
                console.MarkupLine($"[yellow]the live feed did not become ready[/] ({Markup.Escape(feed.Ended ?? "no live.ready")}); following the answer by reading it instead");
            }
            await feed.DisposeAsync();
            return null;
        }
    }

    /// <summary>Prints the question's pieces in order until <c>nlp.answer_completed</c>, the deadline, or the end of the
    /// feed (the answer is then read with GET all the same). Returns the text streamed.</summary>
    private static async Task<string> FollowAsync(IAnsiConsole console, LiveEvents feed, Guid id, bool quiet, long deadline, CancellationToken ct)
    {
        var pieces = new DeltaAssembler();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Remaining(deadline));
        try
        {
            await foreach (var frame in feed.Frames.ReadAllAsync(timeout.Token))
            {
                if (frame.QuestionId != id)
                {
                    continue;
                }
                if (frame.Kind == NlpLiveFrame.AnswerStarted && pieces.Text.Length > 0)
                {
                    // A retry after a transient failure: its pieces are numbered from 0 again and replace the first try's.
                    if (!quiet)
                    {
                        console.WriteLine();
                        console.MarkupLine("[grey](retrying)[/]");
                    }
                    pieces = new DeltaAssembler();
                }
                else if (frame is { Kind: NlpLiveFrame.AnswerDelta, Index: { } index, Text: { } text })
                {
                    Write(console, pieces.Accept(index, text), quiet);
                }
                else if (frame.Kind == NlpLiveFrame.AnswerCompleted)
                {
                    Write(console, pieces.Flush(), quiet);
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The deadline: what was streamed stays printed; the poll below says how the question stands.
        }
        if (!quiet && pieces.Text.Length > 0)
        {
            console.WriteLine();
        }
        return pieces.Text;
    }

    private static void Write(IAnsiConsole console, string text, bool quiet)
    {
        if (!quiet && text.Length > 0)
        {
            console.Write(new Text(text));
        }
    }

    /// <summary>Reads the question until it is final or the deadline passes (null then). After a completed stream the first
    /// read is final already.</summary>
    private static async Task<(ApiResponse Response, QuestionDocument Question)?> PollAsync(NlpClient client, Guid id, long deadline, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await client.GetAsync(id, ct);
            var wait = PollSchedule[Math.Min(attempt, PollSchedule.Length - 1)];
            if (response.IsSuccess)
            {
                var question = QuestionDocument.Parse(response.Body);
                if (question.IsFinal)
                {
                    return (response, question);
                }
            }
            else if (response.Status == 429)
            {
                wait = response.RetryAfter is { } retry && retry > wait ? retry : wait;
            }
            else
            {
                throw new HttpRequestException($"GET {NlpClient.QuestionsPath}/{id} answered {response.Problem.Describe()}");
            }
            if (Remaining(deadline) <= wait)
            {
                return null;
            }
            await Task.Delay(wait, ct);
        }
    }

    private static int Show(IAnsiConsole console, TextWriter stdout, ApiResponse response, QuestionDocument question, bool json, string? streamed)
    {
        if (json)
        {
            stdout.WriteLine(response.Body);
            return AnswerView.ExitCodeOf(question);
        }
        var text = question.Answer?.Text ?? "";
        var shown = streamed is { Length: > 0 } && streamed.Trim() == text.Trim();
        if (streamed is { Length: > 0 } && !shown)
        {
            console.MarkupLine("[grey](the live feed missed part of the answer; here it is whole)[/]");
        }
        return AnswerView.Render(console, question, shown);
    }

    private static int Refused(IAnsiConsole console, string what, ApiResponse response)
    {
        console.MarkupLine($"[red]error:[/] {Markup.Escape(what)}: {Markup.Escape(response.Problem.Describe())}");
        return response.Status is 401 or 403 ? ExitCodes.SetupFailed : ExitCodes.Discrepancy;
    }

    private static async Task CancelOnExitAsync(IAnsiConsole console, NlpClient client, Guid id)
    {
        try
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var response = await client.CancelAsync(id, grace.Token);
            console.MarkupLine(response.IsSuccess
                ? $"[yellow]cancelled[/] question {id}"
                : $"[yellow]interrupted[/]; question {id} was not cancelled: {Markup.Escape(response.Problem.Describe())}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            console.MarkupLine($"[yellow]interrupted[/]; cancelling question {id} failed: {Markup.Escape(ex.Message)}");
        }
    }

    private static TimeSpan Remaining(long deadline) =>
        TimeSpan.FromSeconds(Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
}
