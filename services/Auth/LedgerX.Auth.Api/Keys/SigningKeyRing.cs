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
    : IOptionsChangeTokenSource<OpenIddictServerOptions>, IOptionsChangeTokenSource<OpenIddictValidationOptions>
{
    private readonly AuthOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CancellationTokenSource _changed = new();

    public ImmutableArray<PublishedKey> Published { get; private set; } = [];

    public SymmetricSecurityKey? EncryptionKey { get; private set; }

    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => new CancellationChangeToken(_changed.Token);

    /// <summary>Reads the secrets and applies them; true when the published set changed.</summary>
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
            var before = Published;
            var retention = _options.AccessTokenLifetime + _options.ClockSkew;
            var after = KeyRingState.Next(before, stored, clock.GetUtcNow(), retention);
            if (before.Select(k => (k.Kid, k.RetiredAt)).SequenceEqual(after.Select(k => (k.Kid, k.RetiredAt))))
            {
                return false;
            }
            Published = after;
            var signing = after.First(k => k.RetiredAt is null).Kid;
            var previousSigning = before.FirstOrDefault(k => k.RetiredAt is null)?.Kid;
            LogKeys(logger, signing, after.Length);
            if (previousSigning is not null && previousSigning != signing)
            {
                await AuditRotationAsync(previousSigning, signing, ct);
            }
            var changed = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
            await changed.CancelAsync();
            changed.Dispose();
            return true;
        }
        finally
        {
            _gate.Release();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Signing key {Kid} signs; {Count} key(s) published in the JWKS")]
    private static partial void LogKeys(ILogger logger, string kid, int count);
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
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-reading the signing keys failed; the current keys stay in use")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}

/// <summary>Hands the ring's keys to OpenIddict each time its options are built: newest first, so it signs.</summary>
internal sealed class OpenIddictKeys(SigningKeyRing ring) : IConfigureOptions<OpenIddictServerOptions>
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
}
