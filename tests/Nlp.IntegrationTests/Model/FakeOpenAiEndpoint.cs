using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.Nlp.IntegrationTests.Model;

/// <summary>How the fake model behaves for the next requests.</summary>
public enum FakeModelMode { Healthy, Ungrounded, Slow, Reset, ServerError }

/// <summary>A chat model behind the OpenAI chat-completions protocol (POST /v1/chat/completions, streamed as SSE
/// chunks), on Kestrel at 127.0.0.1:0, so nlp-service's real Microsoft.Extensions.AI.OpenAI client talks to it as to
/// OpenAI or Ollama. The script: a conversation without tool results gets a tool call (spending_by_category, last month,
/// groceries); one with a tool result gets a sentence quoting the result's first figure, streamed a few characters a chunk.</summary>
public sealed class FakeOpenAiEndpoint : IAsyncDisposable
{
    public const string ModelName = "fake-llm";
    public const string Tool = "spending_by_category";

    private readonly WebApplication _app;
    private int _requests;

    private FakeOpenAiEndpoint(WebApplication app) => _app = app;

    public FakeModelMode Mode { get; set; } = FakeModelMode.Healthy;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The request bodies, newest last.</summary>
    public List<JsonNode> Bodies { get; } = [];

    public Uri Endpoint => new(_app.Urls.Single() + "/v1");

    public static async Task<FakeOpenAiEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeOpenAiEndpoint(app);
        app.MapPost("/v1/chat/completions", fake.CompleteAsync);
        await app.StartAsync();
        return fake;
    }

    private async Task CompleteAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        var body = (await JsonNode.ParseAsync(http.Request.Body))!;
        lock (Bodies) Bodies.Add(body);
        switch (Mode)
        {
            case FakeModelMode.Reset:
                http.Abort();
                return;
            case FakeModelMode.ServerError:
                http.Response.StatusCode = 500;
                await http.Response.WriteAsJsonAsync(new { error = new { message = "model crashed", type = "server_error" } });
                return;
            case FakeModelMode.Slow:
                await Task.Delay(TimeSpan.FromMinutes(2), http.RequestAborted);
                return;
        }
        var toolResult = body["messages"]!.AsArray().LastOrDefault(m => (string?)m!["role"] == "tool");
        http.Response.ContentType = "text/event-stream";
        if (toolResult is null)
        {
            await ChunkAsync(http, new JsonObject
            {
                ["role"] = "assistant",
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["id"] = "call_1", ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = Tool, ["arguments"] = "" },
                }),
            }, null);
            await ChunkAsync(http, new JsonObject
            {
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = """{"period":"last month","category":"groceries"}""" },
                }),
            }, null);
            await ChunkAsync(http, new JsonObject(), "tool_calls");
        }
        else
        {
            var result = JsonNode.Parse((string)toolResult["content"]!)!;
            var figure = (string)result["figures"]!.AsObject().First().Value!;
            var text = $"Last month you spent {figure} on groceries." + (Mode == FakeModelMode.Ungrounded ? " That is 17.5 % more than usual." : "");
            for (var i = 0; i < text.Length; i += 4)
                await ChunkAsync(http, new JsonObject { ["content"] = text.Substring(i, Math.Min(4, text.Length - i)) }, null);
            await ChunkAsync(http, new JsonObject(), "stop");
        }
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static async Task ChunkAsync(HttpContext http, JsonObject delta, string? finish)
    {
        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-fake", ["object"] = "chat.completion.chunk", ["created"] = 1_780_000_000, ["model"] = ModelName,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };
        await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", Encoding.UTF8);
        await http.Response.Body.FlushAsync();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
