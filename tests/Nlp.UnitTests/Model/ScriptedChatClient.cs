using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LedgerX.Nlp.UnitTests.Model;

/// <summary>A chat model stand-in that calls tools: each turn is decided by a script from the conversation so far, and
/// streamed as updates, as a real model's would be.</summary>
public sealed class ScriptedChatClient(Func<IReadOnlyList<ChatMessage>, IEnumerable<ChatResponseUpdate>> turn) : IChatClient
{
    public int Turns { get; private set; }

    public IReadOnlyList<AITool> OfferedTools { get; private set; } = [];

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken)) updates.Add(update);
        return updates.ToChatResponse();
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Turns++;
        OfferedTools = options?.Tools?.ToList() ?? [];
        foreach (var update in turn(messages.ToList()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }

    // ---- script helpers ----

    /// <summary>The results of the tool calls so far, as JSON objects.</summary>
    public static IReadOnlyList<JsonElement> ToolResults(IReadOnlyList<ChatMessage> messages) =>
        messages.SelectMany(m => m.Contents.OfType<FunctionResultContent>())
            .Select(r => r.Result is JsonElement e ? e : JsonSerializer.SerializeToElement(r.Result)).ToList();

    public static ChatResponseUpdate Call(string tool, IDictionary<string, object?> arguments) =>
        new(ChatRole.Assistant, [new FunctionCallContent("call-" + Guid.NewGuid().ToString("N")[..8], tool, arguments)]);

    /// <summary>Text as a model streams it: a few characters per update, so numbers are split across pieces.</summary>
    public static IEnumerable<ChatResponseUpdate> Say(string text, int piece = 3)
    {
        for (var i = 0; i < text.Length; i += piece)
            yield return new ChatResponseUpdate(ChatRole.Assistant, text.Substring(i, Math.Min(piece, text.Length - i)));
    }

    /// <summary>The usual model: first turn calls <paramref name="tool"/>, the next phrases its result.</summary>
    public static ScriptedChatClient CallThenSay(string tool, IDictionary<string, object?> arguments, Func<JsonElement, string> phrase) =>
        new(messages =>
        {
            var results = ToolResults(messages);
            return results.Count == 0 ? [Call(tool, arguments)] : Say(phrase(results[^1]));
        });
}
