using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;

namespace LedgerX.Cli.NlpEval;

/// <summary>An OpenAI-compatible chat endpoint (OpenAI, Ollama's /v1, vLLM, LM Studio) and the model to ask, as
/// nlp-service reads them from its secret `nlp-model` (keys endpoint, model, apiKey).</summary>
internal sealed record ModelEndpoint(Uri Endpoint, string Model, string? ApiKey)
{
    public const string SecretName = "nlp-model";

    /// <summary>Ollama ignores the key but the client requires one.</summary>
    private const string NoKey = "no-key";

    public IChatClient CreateChatClient() =>
        new OpenAI.Chat.ChatClient(Model, new ApiKeyCredential(string.IsNullOrEmpty(ApiKey) ? NoKey : ApiKey),
            new OpenAIClientOptions { Endpoint = Endpoint, NetworkTimeout = TimeSpan.FromMinutes(2) }).AsIChatClient();

    /// <summary>The secret from a local file secret store's JSON (components/secrets.json shape): flat keys
    /// "nlp-model:endpoint", "nlp-model:model", "nlp-model:apiKey", or one nested object "nlp-model". Null when absent.</summary>
    public static ModelEndpoint? FromSecretsFile(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        string? Read(string key)
        {
            if (root.TryGetProperty($"{SecretName}:{key}", out var flat) && flat.ValueKind == JsonValueKind.String) return flat.GetString();
            return root.TryGetProperty(SecretName, out var nested) && nested.ValueKind == JsonValueKind.Object
                && nested.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        var endpoint = Read("endpoint");
        var model = Read("model");
        if (string.IsNullOrWhiteSpace(endpoint) || string.IsNullOrWhiteSpace(model)) return null;
        return new ModelEndpoint(new Uri(endpoint), model, Read("apiKey"));
    }
}
