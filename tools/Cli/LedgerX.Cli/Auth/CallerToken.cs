using Spectre.Console;

namespace LedgerX.Cli.Auth;

/// <summary>
/// The access token a verb calls the API with: <c>LEDGERX_TOKEN</c> when set (scripts and CI, which hold a token of
/// their own), else the session `ledgerx login` stored (refreshed when it is about to expire). Null when there is
/// neither: the call then goes without one and the API's 401 says what is missing.
/// </summary>
internal static class CallerToken
{
    public const string Variable = "LEDGERX_TOKEN";

    public static async Task<string?> FindAsync(IAnsiConsole console, Func<string, string?> environment, CancellationToken ct)
    {
        if (environment(Variable) is { Length: > 0 } token)
        {
            return token.Trim();
        }
        var store = TokenStore.Default(environment);
        if (!File.Exists(store.Path))
        {
            console.MarkupLine($"[yellow]warning:[/] no {Variable} and no session in {Markup.Escape(store.Path)}; calling without a token (run `ledgerx login`)");
            return null;
        }
        try
        {
            using var http = new HttpClient { BaseAddress = AuthClient.BaseUrl(null, environment), Timeout = TimeSpan.FromSeconds(30) };
            return (await new AuthClient(http, TimeProvider.System).ValidAsync(store, ct)).AccessToken;
        }
        catch (Exception ex) when (ex is AuthException or HttpRequestException or ArgumentException)
        {
            console.MarkupLine($"[yellow]warning:[/] the stored session gave no token ({Markup.Escape(ex.Message)}); calling without one");
            return null;
        }
    }
}
