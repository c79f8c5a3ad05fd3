using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LedgerX.Cli.Auth;

/// <summary>The device authorization answer (RFC 8628 §3.2).</summary>
internal sealed record DeviceAuthorization(
    [property: JsonPropertyName("device_code")] string DeviceCode,
    [property: JsonPropertyName("user_code")] string UserCode,
    [property: JsonPropertyName("verification_uri")] string VerificationUri,
    [property: JsonPropertyName("verification_uri_complete")] string? VerificationUriComplete,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("interval")] int? Interval);

/// <summary>An OAuth error answer the CLI explains to its user.</summary>
internal sealed class AuthException(string error, string? description) : Exception($"{error}: {description}")
{
    public string Error { get; } = error;
}

/// <summary>
/// The CLI's side of auth-service: the device flow (RFC 8628) for `ledgerx login`, and refresh for `ledgerx token`.
/// The CLI is the public client `ledgerx-cli` (no secret).
/// </summary>
internal sealed class AuthClient(HttpClient http, TimeProvider clock)
{
    public const string UrlVariable = "LEDGERX_AUTH_URL";
    /// <summary>The gateway, which forwards /connect to auth-service: the one address a client needs.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";
    public const string ClientId = "ledgerx-cli";
    public const string DefaultScope = "openid offline_access ledger:read ledger:write analytics:read notifications:manage nlp:ask";

    /// <summary>Refresh this long before expiry, so a token handed to curl is not dead on arrival.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(30);

    private const string DeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>RFC 8628 §3.5: a poll answered slow_down waits this much longer from then on.</summary>
    private static readonly TimeSpan SlowDownStep = TimeSpan.FromSeconds(5);

    public async Task<DeviceAuthorization> StartAsync(string scope, CancellationToken ct)
    {
        using var response = await http.PostAsync("connect/device", Form(new() { ["client_id"] = ClientId, ["scope"] = scope }), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        ThrowIfError(response, body);
        return JsonSerializer.Deserialize<DeviceAuthorization>(body)!;
    }

    /// <summary>Polls until the user approved (tokens), denied or the code expired (<see cref="AuthException"/>).</summary>
    public async Task<StoredTokens> PollAsync(DeviceAuthorization device, CancellationToken ct)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, device.Interval ?? 5));
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(device.ExpiresIn);
        while (clock.GetUtcNow() < deadline)
        {
            await Task.Delay(interval, clock, ct);
            try
            {
                return await TokenAsync(new() { ["grant_type"] = DeviceGrant, ["device_code"] = device.DeviceCode, ["client_id"] = ClientId }, ct);
            }
            catch (AuthException pending) when (pending.Error == "authorization_pending")
            {
            }
            catch (AuthException slow) when (slow.Error == "slow_down")
            {
                interval += SlowDownStep;
            }
        }
        throw new AuthException("expired_token", "The code expired before it was approved; run `ledgerx login` again.");
    }

    /// <summary>The stored access token if it lives past the margin; else a refreshed one (saved, since the refresh
    /// token rotates: the old one is dead once used).</summary>
    public async Task<StoredTokens> ValidAsync(TokenStore store, CancellationToken ct)
    {
        var tokens = await store.LoadAsync(ct) ?? throw new AuthException("login_required", $"No tokens in {store.Path}; run `ledgerx login`.");
        if (tokens.ExpiresAt - RefreshMargin > clock.GetUtcNow())
        {
            return tokens;
        }
        if (tokens.RefreshToken is null)
        {
            throw new AuthException("login_required", "The token expired and there is no refresh token; run `ledgerx login`.");
        }
        var refreshed = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.RefreshToken, ["client_id"] = ClientId }, ct);
        await store.SaveAsync(refreshed, ct);
        return refreshed;
    }

    private async Task<StoredTokens> TokenAsync(Dictionary<string, string> form, CancellationToken ct)
    {
        using var response = await http.PostAsync("connect/token", Form(form), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        ThrowIfError(response, body);
        var json = JsonDocument.Parse(body).RootElement;
        return new StoredTokens(
            http.BaseAddress!.ToString(), ClientId, json.GetProperty("access_token").GetString()!,
            json.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null,
            clock.GetUtcNow() + TimeSpan.FromSeconds(json.GetProperty("expires_in").GetInt32()));
    }

    private static FormUrlEncodedContent Form(Dictionary<string, string> fields) => new(fields);

    private static void ThrowIfError(HttpResponseMessage response, string body)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        try
        {
            var json = JsonDocument.Parse(body).RootElement;
            throw new AuthException(json.GetProperty("error").GetString() ?? "error",
                json.TryGetProperty("error_description", out var d) ? d.GetString() : null);
        }
        catch (JsonException)
        {
            throw new AuthException("server_error", $"{(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }

    public static Uri BaseUrl(string? explicitUrl, Func<string, string?> environment)
    {
        var text = !string.IsNullOrWhiteSpace(explicitUrl) ? explicitUrl : environment(UrlVariable) is { Length: > 0 } v ? v : DefaultUrl;
        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{text}' is not an http(s) URL.");
        }
        return url;
    }
}
