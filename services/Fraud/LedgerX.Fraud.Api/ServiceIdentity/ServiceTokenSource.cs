using Dapr.Client;
using Duende.IdentityModel.Client;
using LedgerX.Fraud.Api.Infrastructure;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.Extensions.Options;

namespace LedgerX.Fraud.Api.ServiceIdentity;

/// <summary>
/// fraud-service's client-credentials access token, asked of auth-service's token endpoint through the sidecar (service
/// invocation of <c>Auth:AppId</c>, like the JWKS every service fetches) and kept until shortly before it expires. One
/// request at a time: callers arriving while a token is being fetched wait for it instead of asking again.
/// </summary>
public sealed partial class ServiceTokenSource(
    IHttpClientFactory clients, DaprClient dapr, IOptions<ServiceTokenOptions> options, IOptions<AuthOptions> auth, TimeProvider clock,
    FraudMetrics metrics, ILogger<ServiceTokenSource> logger) : IDisposable
{
    /// <summary>The named HttpClient that reaches auth-service through the sidecar.</summary>
    public const string HttpClientName = "auth-service-token";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ServiceTokenOptions _options = options.Value;
    // A reference, read without the gate: a reader sees a whole token or none, never half of one.
    private volatile CachedToken? _cached;
    private volatile string? _secret;

    /// <summary>A token good for at least <see cref="ServiceTokenOptions.RefreshBeforeExpirySeconds"/> more.</summary>
    public async Task<string> GetAsync(CancellationToken ct)
    {
        if (_cached is { } cached && clock.GetUtcNow() < cached.RefreshAt)
        {
            return cached.Token;
        }
        await _gate.WaitAsync(ct);
        try
        {
            if (_cached is { } fresh && clock.GetUtcNow() < fresh.RefreshAt)
            {
                return fresh.Token;
            }
            var (token, lifetime) = await RequestAsync(ct);
            // Refresh at the earlier of "shortly before expiry" and half the lifetime, so a short-lived token is reused at all.
            var margin = TimeSpan.FromSeconds(Math.Min(_options.RefreshBeforeExpirySeconds, lifetime.TotalSeconds / 2));
            _cached = new CachedToken(token, clock.GetUtcNow() + lifetime - margin);
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the cached token (and secret): the ledger refused it, so the next call asks for a new one, with the
    /// secret read again in case it was rotated.</summary>
    public void Invalidate()
    {
        _cached = null;
        _secret = null;
    }

    private async Task<(string Token, TimeSpan Lifetime)> RequestAsync(CancellationToken ct)
    {
        TokenResponse response;
        try
        {
            _secret ??= (await dapr.GetSecretAsync(_options.SecretStore, _options.SecretName, cancellationToken: ct)).Values.Single();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.TimeoutMs);
            var http = clients.CreateClient(HttpClientName);
            response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
            {
                Address = $"http://{auth.Value.AppId}/connect/token",
                ClientId = _options.ClientId,
                ClientSecret = _secret,
                Scope = _options.Scopes,
            }, timeout.Token);
        }
        // No secret (secret store down or entry missing) or no answer: no identity, which the caller must not mistake
        // for the ledger refusing the request.
        catch (Exception ex) when (ex is Dapr.DaprException or InvalidOperationException or HttpRequestException
                                   || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            metrics.ServiceToken("failed");
            throw new ServiceTokenUnavailableException($"No token for {_options.ClientId}: {ex.GetBaseException().Message}");
        }
        if (response.IsError || string.IsNullOrEmpty(response.AccessToken))
        {
            metrics.ServiceToken("failed");
            LogRefused(logger, _options.ClientId, (int)response.HttpStatusCode, response.Error ?? "no access_token");
            throw new ServiceTokenUnavailableException(
                $"auth-service gave no token to {_options.ClientId}: {(int)response.HttpStatusCode} {response.Error} {response.ErrorDescription}".TrimEnd());
        }
        metrics.ServiceToken("issued");
        return (response.AccessToken, TimeSpan.FromSeconds(Math.Max(response.ExpiresIn, 1)));
    }

    public void Dispose() => _gate.Dispose();

    private sealed record CachedToken(string Token, DateTimeOffset RefreshAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "auth-service refused a client-credentials token to {ClientId} ({Status}): {Error}")]
    private static partial void LogRefused(ILogger logger, string clientId, int status, string error);
}

/// <summary>No token could be had: the call that needed it is not sent (and its policy action is retried later).</summary>
public sealed class ServiceTokenUnavailableException(string message) : Exception(message);
