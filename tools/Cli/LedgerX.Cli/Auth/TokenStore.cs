using System.Text.Json;
using System.Text.Json.Serialization;

namespace LedgerX.Cli.Auth;

/// <summary>The token set `ledgerx login` obtained, as stored on disk.</summary>
internal sealed record StoredTokens(
    [property: JsonPropertyName("issuer")] string Issuer,
    [property: JsonPropertyName("clientId")] string ClientId,
    [property: JsonPropertyName("accessToken")] string AccessToken,
    [property: JsonPropertyName("refreshToken")] string? RefreshToken,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt);

/// <summary>
/// ~/.config/ledgerx/tokens.json ($XDG_CONFIG_HOME honoured; LEDGERX_TOKENS_FILE moves it), readable by its owner only
/// (0600, set when the file is created, so there is no moment when others could read it).
/// </summary>
internal sealed class TokenStore(string path)
{
    public const string FileVariable = "LEDGERX_TOKENS_FILE";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Path { get; } = path;

    public static TokenStore Default(Func<string, string?> environment)
    {
        if (environment(FileVariable) is { Length: > 0 } explicitPath)
        {
            return new TokenStore(explicitPath);
        }
        var config = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return new TokenStore(System.IO.Path.Combine(config, "ledgerx", "tokens.json"));
    }

    public async Task SaveAsync(StoredTokens tokens, CancellationToken ct)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var stream = new FileStream(temporary, options))
        {
            await JsonSerializer.SerializeAsync(stream, tokens, Json, ct);
        }
        if (!OperatingSystem.IsWindows())
        {
            // An existing temporary file keeps its old mode on open; make sure.
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        // Atomic: a reader sees the old set or the new one, never half of one.
        File.Move(temporary, Path, overwrite: true);
    }

    public async Task<StoredTokens?> LoadAsync(CancellationToken ct)
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        await using var stream = File.OpenRead(Path);
        return await JsonSerializer.DeserializeAsync<StoredTokens>(stream, Json, ct);
    }
}
