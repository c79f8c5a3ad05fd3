using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.Cli.Tests.Ask;

/// <summary>
/// A stand-in for the gateway in front of nlp-service and the live feed (docs/api/nlp.md, docs/api/live.md): Kestrel on
/// 127.0.0.1:0. The SSE feed sends <c>live.ready</c>, then, once a question was posted, its started/delta/completed items
/// (pieces deliberately out of order, another question's piece in between); GET answers the question as stored.
/// </summary>
internal sealed class FakeNlpGateway : IAsyncDisposable
{
    public static readonly Guid QuestionId = Guid.Parse("0193a1f2-1111-7000-8000-000000000001");
    public static readonly Guid OtherQuestion = Guid.Parse("0193a1f2-2222-7000-8000-000000000002");
    public const string Token = "customer-token";
    public const string AnswerText = "You spent 123.45 EUR on groceries last month (3 transactions).";

    private readonly WebApplication _app;
    private readonly TaskCompletionSource _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeNlpGateway(WebApplication app) => _app = app;

    public Uri BaseUrl => new(_app.Urls.Single() + "/");

    /// <summary>Bodies the fake received, by "METHOD path".</summary>
    public ConcurrentQueue<(string Call, string Body)> Calls { get; } = new();

    public int FeedsOpened { get; private set; }

    /// <summary>The first attempt fails after one piece; the retry starts again from index 0 (docs/api/nlp.md).</summary>
    public bool RetryOnce { get; set; }

    /// <summary>What POST /questions answers (status, body, Retry-After seconds); 202 by default.</summary>
    public (int Status, string Body, int? RetryAfter) AskAnswer { get; set; } =
        (202, $$"""{"id":"{{QuestionId}}","status":"queued","askedAt":"2026-12-07T10:00:00Z"}""", null);

    /// <summary>Status of the live feed: 200 streams; anything else answers a problem.</summary>
    public int FeedStatus { get; set; } = 200;

    /// <summary>What GET /questions/{id} answers after the question was asked.</summary>
    public string Stored { get; set; } = AnsweredJson;

    public (int Status, string Body) RatingAnswer { get; set; } = (200, $$$"""{"id":"{{{QuestionId}}}","status":"answered","rating":{"score":5}}""");

    public static string AnsweredJson => $$$"""
        {"id":"{{{QuestionId}}}","status":"answered","question":"what did I spend on groceries last month?","askedAt":"2026-12-07T10:00:00Z",
         "answer":{"text":"{{{AnswerText}}}","intent":"spending_by_category",
                   "figures":[{"name":"spent.groceries.EUR","value":"123.45 EUR"}],
                   "citations":[{"kind":"entry","id":"0193a1f2-aaaa-7000-8000-000000000001"},{"kind":"entry","id":"0193a1f2-aaaa-7000-8000-000000000002"}]},
         "engine":"interpreter","templateVersion":"answers-en-v1","promptVersion":null,"model":null,"fallbackReason":null,"rating":null,
         "newFieldAClientDoesNotKnow":{"x":1}}
        """;

    public static async Task<FakeNlpGateway> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeNlpGateway(app);
        app.MapGet("/api/v1/live/events", fake.FeedAsync);
        app.MapPost("/api/v1/questions", async (HttpRequest request) =>
        {
            fake.Record(request, await new StreamReader(request.Body).ReadToEndAsync());
            var (status, body, retryAfter) = fake.AskAnswer;
            if (retryAfter is { } seconds)
            {
                request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            if (status == 202)
            {
                fake._asked.TrySetResult();
            }
            return Results.Text(body, status == 202 ? "application/json" : "application/problem+json", statusCode: status);
        });
        app.MapGet("/api/v1/questions/{id:guid}", (HttpRequest request, Guid id) =>
        {
            fake.Record(request, "");
            return id == QuestionId && request.Headers.Authorization == $"Bearer {Token}"
                ? Results.Text(fake.Stored, "application/json")
                : Results.Text("""{"status":404,"code":"question_not_found","detail":"No such question."}""", "application/problem+json", statusCode: 404);
        });
        app.MapPut("/api/v1/questions/{id:guid}/rating", async (HttpRequest request) =>
        {
            fake.Record(request, await new StreamReader(request.Body).ReadToEndAsync());
            return Results.Text(fake.RatingAnswer.Body, fake.RatingAnswer.Status == 200 ? "application/json" : "application/problem+json", statusCode: fake.RatingAnswer.Status);
        });
        app.MapPost("/api/v1/questions/{id:guid}/cancel", (HttpRequest request) =>
        {
            fake.Record(request, "");
            return Results.Text($$"""{"id":"{{QuestionId}}","status":"cancelled"}""", "application/json");
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return fake;
    }

    private void Record(HttpRequest request, string body) => Calls.Enqueue(($"{request.Method} {request.Path}", body));

    private async Task FeedAsync(HttpContext context)
    {
        FeedsOpened++;
        var response = context.Response;
        if (FeedStatus != 200)
        {
            response.StatusCode = FeedStatus;
            response.ContentType = "application/problem+json";
            await response.WriteAsync($$"""{"status":{{FeedStatus}},"code":"forbidden","detail":"The token lacks notifications:manage."}""");
            return;
        }
        response.ContentType = "text/event-stream";
        var ct = context.RequestAborted;
        await Send(response, "retry: 2000\n\n", ct);
        await Send(response, """data: {"kind":"live.ready","occurredAt":"2026-12-07T10:00:00Z","data":{"lastEventId":"41"}}""" + "\n\n", ct);
        try
        {
            await _asked.Task.WaitAsync(ct);
            await Send(response, ": ping\n\n", ct);
            if (RetryOnce)
            {
                await Send(response, Item("nlp.answer_started", QuestionId, "") + Item("nlp.answer_delta", QuestionId, "\"index\":\"0\",\"text\":\"You sp\""), ct);
            }
            await Send(response, Item("nlp.answer_started", QuestionId, "") + Item("transaction.debited", null, "\"entryId\":\"x\""), ct);
            // Pieces out of order, split across TCP writes, another question's piece in between.
            await Send(response, Item("nlp.answer_delta", QuestionId, "\"index\":\"1\",\"text\":\"123.45 EUR on groceries \""), ct);
            await Send(response, Item("nlp.answer_delta", OtherQuestion, "\"index\":\"0\",\"text\":\"NOT MINE \""), ct);
            var first = Item("nlp.answer_delta", QuestionId, "\"index\":\"0\",\"text\":\"You spent \"");
            await Send(response, first[..20], ct);
            await Send(response, first[20..], ct);
            await Send(response, Item("nlp.answer_delta", QuestionId, "\"index\":\"2\",\"text\":\"last month (3 transactions).\""), ct);
            await Send(response, Item("nlp.answer_delta", QuestionId, "\"index\":\"0\",\"text\":\"You spent \""), ct); // a duplicate delivery
            await Send(response, Item("nlp.answer_completed", QuestionId, "\"status\":\"answered\""), ct);
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            // The client left.
        }
    }

    private static string Item(string kind, Guid? question, string fields)
    {
        var data = question is null ? "{" + fields + "}" : $"{{\"questionId\":\"{question}\"{(fields.Length > 0 ? "," + fields : "")}}}";
        var json = JsonNode.Parse($$"""{"kind":"{{kind}}","occurredAt":"2026-12-07T10:00:01Z","data":{{data}},"ephemeral":true}""")!.ToJsonString();
        return "data: " + json + "\n\n";
    }

    private static async Task Send(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
