using System.ClientModel;
using System.ClientModel.Primitives;
using Dapr;
using Dapr.Client;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace LedgerX.Nlp.Api.Answering.Model;

/// <summary>The configured model: its client and the name recorded with each answer.</summary>
public sealed record ConfiguredModel(IChatClient Client, string Name, Uri Endpoint);

/// <summary>Reads the model secret through the sidecar at start and every <see cref="ModelOptions.RefreshSeconds"/>, and
/// keeps an <see cref="IChatClient"/> for the endpoint it names (Microsoft.Extensions.AI.OpenAI: OpenAI, Ollama's /v1 or
/// any OpenAI-compatible server). No secret: no model, the interpreter answers alone. A failed read keeps what was
/// read before (a sidecar restart does not switch the model off); until the first read succeeds it retries quickly,
/// because the sidecar usually starts after the app.</summary>
public sealed partial class ModelEndpointSource(DaprClient dapr, IOptions<ModelOptions> options, TimeProvider clock, ILogger<ModelEndpointSource> logger)
    : BackgroundService
{
    public const string EndpointKey = "endpoint";
    public const string ModelKey = "model";
    public const string ApiKeyKey = "apiKey";

    /// <summary>Ollama ignores the key, the client requires one.</summary>
    private const string NoKey = "no-key";

    private static readonly TimeSpan FirstReadRetry = TimeSpan.FromSeconds(1);

    private readonly ModelOptions _options = options.Value;
    private (string Endpoint, string Model, string? ApiKey)? _read;
    private volatile ConfiguredModel? _current;

    /// <summary>The model to ask now, or null (interpreter only).</summary>
    public ConfiguredModel? Current => _current;

    /// <summary>True once the secret was read (found or not).</summary>
    public bool Loaded { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(_options.SecretName))
        {
            Loaded = true;
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Apply(await ReadAsync(stoppingToken));
                Loaded = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogReadFailed(logger, _options.SecretStore, _options.SecretName, ex.Message);
            }
            try
            {
                await Task.Delay(Loaded ? TimeSpan.FromSeconds(_options.RefreshSeconds) : FirstReadRetry, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The secret as one multi-key secret (Kubernetes Secret, multiValued file store), else as flattened
    /// "name:key" secrets (the flat local file store). Null when neither names an endpoint and a model.</summary>
    private async Task<(string Endpoint, string Model, string? ApiKey)?> ReadAsync(CancellationToken ct)
    {
        var whole = await TryGetAsync(_options.SecretName, ct);
        string? Key(string key) => whole?.GetValueOrDefault(key);
        var endpoint = Key(EndpointKey);
        var model = Key(ModelKey);
        var apiKey = Key(ApiKeyKey);
        if (endpoint is null || model is null)
        {
            endpoint = await TryGetValueAsync($"{_options.SecretName}:{EndpointKey}", ct);
            model = await TryGetValueAsync($"{_options.SecretName}:{ModelKey}", ct);
            apiKey = await TryGetValueAsync($"{_options.SecretName}:{ApiKeyKey}", ct);
        }
        return string.IsNullOrWhiteSpace(endpoint) || string.IsNullOrWhiteSpace(model) ? null : (endpoint, model, apiKey);
    }

    private async Task<string?> TryGetValueAsync(string name, CancellationToken ct) =>
        (await TryGetAsync(name, ct))?.Values.SingleOrDefault();

    /// <summary>A missing secret is an answer (null); an unreachable sidecar is an exception.</summary>
    private async Task<IReadOnlyDictionary<string, string>?> TryGetAsync(string name, CancellationToken ct)
    {
        try
        {
            var secret = await dapr.GetSecretAsync(_options.SecretStore, name, cancellationToken: ct);
            return secret.Count == 0 ? null : new Dictionary<string, string>(secret);
        }
        catch (DaprException ex) when (IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>daprd answers a missing key with ERR_SECRET_GET ("… not found"), a sidecar without secret stores with
    /// ERR_SECRET_STORES_NOT_CONFIGURED (FailedPrecondition) and an unknown store with ERR_SECRET_STORE_NOT_FOUND
    /// (InvalidArgument): all three mean "no model named here", not a failure to retry.</summary>
    private static bool IsNotFound(DaprException ex) =>
        ex.InnerException is Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.FailedPrecondition or Grpc.Core.StatusCode.InvalidArgument }
        || (ex.InnerException?.Message ?? ex.Message).Contains("not found", StringComparison.OrdinalIgnoreCase);

    private void Apply((string Endpoint, string Model, string? ApiKey)? read)
    {
        if (read == _read) return;
        _read = read;
        if (read is not { } r)
        {
            _current = null;
            LogNoModel(logger, _options.SecretName);
            return;
        }
        var endpoint = new Uri(r.Endpoint);
        var client = new OpenAI.Chat.ChatClient(r.Model, new ApiKeyCredential(string.IsNullOrEmpty(r.ApiKey) ? NoKey : r.ApiKey), new OpenAIClientOptions
        {
            Endpoint = endpoint,
            // Polly's timeout and circuit breaker (FallbackAnswerer) decide; the client's own retries would hide failures
            // from the breaker and multiply the wait.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(_options.TimeoutSeconds + 5),
        });
        _current = new ConfiguredModel(client.AsIChatClient(), r.Model, endpoint);
        LogModel(logger, r.Model, endpoint.GetLeftPart(UriPartial.Authority));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the model secret {Store}/{Secret} failed ({Reason}); keeping the previous setting")]
    private static partial void LogReadFailed(ILogger logger, string store, string secret, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "No model secret {Secret}: questions are answered by the interpreter alone")]
    private static partial void LogNoModel(ILogger logger, string secret);

    [LoggerMessage(Level = LogLevel.Information, Message = "Questions are answered by model {Model} at {Endpoint}, falling back to the interpreter")]
    private static partial void LogModel(ILogger logger, string model, string endpoint);
}
