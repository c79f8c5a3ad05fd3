using Dapr;
using Dapr.Client;
using Grpc.Core;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace LedgerX.ServiceDefaults.Secrets;

/// <summary>
/// Reads a service's credentials through its sidecar's secrets API: waits (bounded) until the sidecar answers, then
/// asks for each secret once. A missing secret fails at once with its name: retrying cannot make it appear, and a
/// service that starts without its database would only fail later and less clearly.
/// </summary>
public static class SecretStoreReader
{
    // Short first, so a sidecar that starts a moment after the app costs little; capped, so a slow one is not hammered.
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Configuration key → value for every secret of <paramref name="secrets"/>.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(
        DaprClient dapr, SecretStoreOptions options, IReadOnlyList<ServiceSecret> secrets, TimeProvider time, CancellationToken ct)
    {
        await WaitForSidecarAsync(dapr, options, secrets, time, ct);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (options.Secret is { Length: > 0 } shared)
        {
            var all = await GetAsync(dapr, options.Name, shared, secrets, ct);
            foreach (var secret in secrets)
            {
                values[secret.ConfigurationKey] = Pick(all, secret, options.Name, shared);
            }
        }
        else
        {
            foreach (var secret in secrets)
            {
                var one = await GetAsync(dapr, options.Name, secret.SecretName, [secret], ct);
                values[secret.ConfigurationKey] = Pick(one, secret, options.Name, shared: null);
            }
        }

        return values;
    }

    /// <summary>
    /// The secret's value from what the store answered: the key of the secret's own name (the local file store answers
    /// {name: value}; a shared Kubernetes Secret or Vault map has one key per credential), or a single-key secret's only
    /// value (a Kubernetes Secret of the credential's own name with any one key). Anything else is refused by name.
    /// </summary>
    public static string Pick(IReadOnlyDictionary<string, string> answer, ServiceSecret secret, string store, string? shared)
    {
        string value = answer.TryGetValue(secret.SecretName, out string? named) ? named
            : shared is null && answer.Count == 1 ? answer.Values.Single()
            : throw new SecretStoreException(
                $"secret store '{store}': {Where(secret, shared)} has no key '{secret.SecretName}' " +
                $"(its keys: {(answer.Count == 0 ? "none" : string.Join(", ", answer.Keys.Order(StringComparer.Ordinal)))}), needed for {secret.ConfigurationKey}");
        return value.Length > 0
            ? value
            : throw new SecretStoreException($"secret store '{store}': {Where(secret, shared)} is empty, needed for {secret.ConfigurationKey}");
    }

    private static string Where(ServiceSecret secret, string? shared) =>
        shared is null ? $"secret '{secret.SecretName}'" : $"secret '{shared}' (key '{secret.SecretName}')";

    private static async Task<IReadOnlyDictionary<string, string>> GetAsync(
        DaprClient dapr, string store, string name, IReadOnlyList<ServiceSecret> wanted, CancellationToken ct)
    {
        try
        {
            return (await dapr.GetSecretAsync(store, name, cancellationToken: ct)).AsReadOnly();
        }
        catch (DaprException ex)
        {
            // The sidecar's error says what it could not do (daprd's ERR_SECRET_GET names key and store, never a value).
            string reason = ex.InnerException is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
            throw new SecretStoreException(
                $"secret store '{store}' has no secret '{name}' for {string.Join(", ", wanted.Select(w => w.ConfigurationKey))} ({reason}); " +
                "add it to the store (components/secrets.json locally, the chart's Secret or Vault in a cluster), or set the setting explicitly", ex);
        }
    }

    private static async Task WaitForSidecarAsync(DaprClient dapr, SecretStoreOptions options, IReadOnlyList<ServiceSecret> secrets, TimeProvider time, CancellationToken ct)
    {
        var wait = TimeSpan.FromSeconds(options.SidecarWaitSeconds);
        var pipeline = new ResiliencePipelineBuilder<bool> { TimeProvider = time }
            .AddTimeout(wait)
            .AddRetry(new RetryStrategyOptions<bool>
            {
                // CheckOutboundHealthAsync answers false while nothing listens; any other failure is the same to us.
                ShouldHandle = new PredicateBuilder<bool>().HandleResult(false).Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = FirstRetryDelay,
                MaxDelay = MaxRetryDelay,
                UseJitter = false,
            })
            .Build();
        try
        {
            await pipeline.ExecuteAsync(async token => await dapr.CheckOutboundHealthAsync(token), ct);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new SecretStoreException(
                $"the Dapr sidecar did not answer within {options.SidecarWaitSeconds} s (SecretStore:SidecarWaitSeconds), so the secrets " +
                $"{string.Join(", ", secrets.Select(s => $"'{s.SecretName}'"))} could not be read from secret store '{options.Name}'", ex);
        }
    }
}
