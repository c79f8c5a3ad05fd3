using System.Collections.Immutable;
using Dapr.Client;
using LedgerX.Auth.Api.Audit;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace LedgerX.Auth.Api.Keys;

/// <summary>
/// The signing keys read from the Dapr secret store, re-read on an interval. When the set changes, OpenIddict's server
/// and validation options are rebuilt (their change token fires), so the newest key signs from the next request on and
/// the JWKS lists every key whose tokens may still be alive. No request fails during a rotation: the old key keeps
/// validating the tokens it signed.
/// </summary>
public sealed partial class SigningKeyRing(
    DaprClient dapr, IOptions<AuthOptions> options, TimeProvider clock, IHostEnvironment environment,
    IServiceScopeFactory scopes, ILogger<SigningKeyRing> logger)
{
    private readonly AuthOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CancellationTokenSource _serverChanged = new();
    private CancellationTokenSource _validationChanged = new();
    private bool _settle;

    /// <summary>Every key held: the signing one first, then retired ones still able to validate tokens they signed.</summary>
    public ImmutableArray<PublishedKey> Keys { get; private set; } = [];

    /// <summary>The keys in the JWKS and accepted in access tokens: the signing one and those retired less than an
    /// access-token lifetime (+ clock skew) ago.</summary>
    public IEnumerable<PublishedKey> Published => Keys.Where(k => k.IsPublished(clock.GetUtcNow(), AccessRetention));

    /// <summary>Held only to validate auth-service's own refresh tokens and codes that they signed.</summary>
    public IEnumerable<PublishedKey> ValidatingOnly => Keys.Where(k => !k.IsPublished(clock.GetUtcNow(), AccessRetention));

    public SymmetricSecurityKey? EncryptionKey { get; private set; }

    private TimeSpan AccessRetention => _options.AccessTokenLifetime + _options.ClockSkew;

    private TimeSpan RefreshRetention => TimeSpan.FromSeconds(_options.RefreshTokenLifetimeSeconds) + _options.ClockSkew;

    internal IChangeToken ServerChangeToken() => new CancellationChangeToken(_serverChanged.Token);

    internal IChangeToken ValidationChangeToken() => new CancellationChangeToken(_validationChanged.Token);

    /// <summary>Reads the secrets and applies them; true when the keys held or published changed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var stored = await ReadKeysAsync(ct);
            if (!environment.IsDevelopment() && stored.FirstOrDefault(k => k.Kid.StartsWith(KeyRingState.DevelopmentKidPrefix, StringComparison.Ordinal)) is { } dev)
            {
                throw new InvalidOperationException(
                    $"Signing key '{dev.Kid}' is a development key (kid prefix '{KeyRingState.DevelopmentKidPrefix}'); outside Development auth-service refuses it.");
            }
            EncryptionKey ??= await ReadEncryptionKeyAsync(ct);
            var now = clock.GetUtcNow();
            var before = Keys;
            var after = KeyRingState.Next(before, stored, now, RefreshRetention);
            if (Shape(before, now).SequenceEqual(Shape(after, now)))
            {
                if (_settle)
                {
                    // Options built by a request racing the last change may hold the old keys: rebuild them once more.
                    _settle = false;
                    await NotifyAsync();
                }
                return false;
            }
            Keys = after;
            var signing = after.First(k => k.RetiredAt is null).Kid;
            var previousSigning = before.FirstOrDefault(k => k.RetiredAt is null)?.Kid;
            LogKeys(logger, signing, Published.Count(), after.Length);
            if (previousSigning is not null && previousSigning != signing)
            {
                await AuditRotationAsync(previousSigning, signing, ct);
            }
            _settle = true;
            await NotifyAsync();
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private IEnumerable<(string, DateTimeOffset?, bool)> Shape(ImmutableArray<PublishedKey> keys, DateTimeOffset now) =>
        keys.Select(k => (k.Kid, k.RetiredAt, k.IsPublished(now, AccessRetention)));

    /// <summary>Server options first, then validation options: validation reads the server's, so it must never be
    /// rebuilt from server options that are still the old ones.</summary>
    private async Task NotifyAsync()
    {
        foreach (var source in new[] { Interlocked.Exchange(ref _serverChanged, new()), Interlocked.Exchange(ref _validationChanged, new()) })
        {
            await source.CancelAsync();
            source.Dispose();
        }
    }

    private async Task<IReadOnlyList<StoredSigningKey>> ReadKeysAsync(CancellationToken ct)
    {
        var secret = await dapr.GetSecretAsync(_options.SecretStore, _options.SigningKeysSecret, cancellationToken: ct);
        // A file or environment store answers { name: value }; a Kubernetes secret may hold it under any data key.
        var value = secret.Values.SingleOrDefault()
            ?? throw new InvalidOperationException($"Secret '{_options.SigningKeysSecret}' must hold exactly one value (the key set as JSON).");
        return KeyRingState.Parse(value);
    }

    private async Task<SymmetricSecurityKey> ReadEncryptionKeyAsync(CancellationToken ct)
    {
        var secret = await dapr.GetSecretAsync(_options.SecretStore, _options.EncryptionKeySecret, cancellationToken: ct);
        var bytes = Convert.FromBase64String(secret.Values.SingleOrDefault()
            ?? throw new InvalidOperationException($"Secret '{_options.EncryptionKeySecret}' must hold one base64 value."));
        if (bytes.Length != 32)
        {
            throw new InvalidOperationException($"Secret '{_options.EncryptionKeySecret}' must be 32 bytes (256 bits), base64; it is {bytes.Length}.");
        }
        return new SymmetricSecurityKey(bytes) { KeyId = "enc-" + _options.EncryptionKeySecret };
    }

    private async Task AuditRotationAsync(string previous, string current, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var audit = scope.ServiceProvider.GetRequiredService<ISecurityAudit>();
        await audit.RecordAsync(AuditActions.SigningKeyRotated, AuditOutcomes.Succeeded, AuditActor.Service(AuthRegistration.AppId),
            new AuditSubject("signing_key", current), new Dictionary<string, string> { ["previous_kid"] = previous }, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signing key {Kid} signs; {Published} key(s) in the JWKS, {Held} held")]
    private static partial void LogKeys(ILogger logger, string kid, int published, int held);
}

/// <summary>Re-reads the key set every Auth:SigningKeysRefreshSeconds; a failed read keeps the current keys.</summary>
public sealed partial class SigningKeyRefresher(SigningKeyRing ring, IOptions<AuthOptions> options, TimeProvider clock, ILogger<SigningKeyRefresher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.SigningKeysRefreshSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(interval, clock, stoppingToken);
            try
            {
                await ring.RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-reading the signing keys failed; the current keys stay in use")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}

/// <summary>Hands the ring's keys to OpenIddict each time its options are built: the published ones as signing
/// credentials (newest first, so it signs; the JWKS lists them), and after OpenIddict's own post-configuration the
/// older ones as validation keys only, for the refresh tokens and codes they signed.</summary>
internal sealed class OpenIddictKeys(SigningKeyRing ring) : IConfigureOptions<OpenIddictServerOptions>, IPostConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        // OpenIddict keeps this order for keys of one kind (its sort is stable for the few keys of a ring).
        foreach (var key in ring.Published.OrderBy(k => k.RetiredAt is null ? 0 : 1).ThenByDescending(k => k.CreatedAt))
        {
            options.SigningCredentials.Add(new SigningCredentials(key.Key, SecurityAlgorithms.RsaSha256));
        }
        if (ring.EncryptionKey is { } encryption)
        {
            options.EncryptionCredentials.Add(new EncryptingCredentials(encryption, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
        }
    }

    public void PostConfigure(string? name, OpenIddictServerOptions options)
    {
        var validating = ring.ValidatingOnly.Select(k => (SecurityKey)k.Key).ToList();
        if (validating.Count > 0)
        {
            options.TokenValidationParameters.IssuerSigningKeys = [.. options.TokenValidationParameters.IssuerSigningKeys ?? [], .. validating];
        }
    }
}

/// <summary>auth-service's own API validates access tokens with exactly the published keys, read from the ring.</summary>
internal sealed class OpenIddictValidationKeys(SigningKeyRing ring) : IConfigureOptions<OpenIddictValidationOptions>
{
    public void Configure(OpenIddictValidationOptions options)
    {
        if (options.Configuration is { } configuration)
        {
            foreach (var key in ring.Published)
            {
                configuration.SigningKeys.Add(key.Key);
            }
        }
    }
}

internal sealed class ServerKeysChanged(SigningKeyRing ring) : IOptionsChangeTokenSource<OpenIddictServerOptions>
{
    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => ring.ServerChangeToken();
}

internal sealed class ValidationKeysChanged(SigningKeyRing ring) : IOptionsChangeTokenSource<OpenIddictValidationOptions>
{
    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => ring.ValidationChangeToken();
}
