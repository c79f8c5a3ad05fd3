using System.CommandLine;
using LedgerX.Cli.Auth;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx login`: the device flow against auth-service; `ledgerx token`: a valid access token for curl.</summary>
internal static class LoginCommand
{
    public static Command Create()
    {
        var url = UrlOption();
        var scope = new Option<string>("--scope") { Description = "Scopes to ask for.", DefaultValueFactory = _ => AuthClient.DefaultScope };
        var command = new Command("login", "Sign in with a browser (device flow); stores the tokens in ~/.config/ledgerx/tokens.json (0600).") { url, scope };
        command.SetAction((parse, ct) => LoginAsync(AnsiConsole.Console, parse.GetValue(url), parse.GetValue(scope)!, Environment.GetEnvironmentVariable, ct));
        return command;
    }

    public static Command CreateToken()
    {
        var url = UrlOption();
        var command = new Command("token", "Print a valid access token (refreshed when needed), e.g. curl -H \"Authorization: Bearer $(./ledgerx token)\".") { url };
        command.SetAction((parse, ct) => TokenAsync(Console.Out, AnsiConsole.Console, parse.GetValue(url), Environment.GetEnvironmentVariable, ct));
        return command;
    }

    public static async Task<int> LoginAsync(IAnsiConsole console, string? explicitUrl, string scope, Func<string, string?> environment, CancellationToken ct)
    {
        if (Client(console, explicitUrl, environment) is not { } client)
        {
            return ExitCodes.SetupFailed;
        }
        using var http = client.Http;
        var auth = new AuthClient(http, TimeProvider.System);
        var store = TokenStore.Default(environment);
        try
        {
            var device = await auth.StartAsync(scope, ct);
            console.MarkupLine($"Open [bold]{Markup.Escape(device.VerificationUriComplete ?? device.VerificationUri)}[/] and confirm the code [bold]{Markup.Escape(device.UserCode)}[/].");
            console.MarkupLine("[grey]waiting for the approval...[/]");
            await store.SaveAsync(await auth.PollAsync(device, ct), ct);
            console.MarkupLine($"[green]signed in[/]; tokens in {Markup.Escape(store.Path)}");
            return ExitCodes.Ok;
        }
        catch (AuthException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.Discrepancy;
        }
        catch (HttpRequestException ex)
        {
            console.MarkupLine($"[red]error:[/] auth-service at {Markup.Escape(http.BaseAddress!.ToString())} cannot be reached: {Markup.Escape(ex.Message)}");
            return ExitCodes.Unreachable;
        }
    }

    public static async Task<int> TokenAsync(TextWriter output, IAnsiConsole console, string? explicitUrl, Func<string, string?> environment, CancellationToken ct)
    {
        if (Client(console, explicitUrl, environment) is not { } client)
        {
            return ExitCodes.SetupFailed;
        }
        using var http = client.Http;
        try
        {
            var tokens = await new AuthClient(http, TimeProvider.System).ValidAsync(TokenStore.Default(environment), ct);
            // Only the token on stdout, so $(./ledgerx token) is exactly it.
            await output.WriteLineAsync(tokens.AccessToken);
            return ExitCodes.Ok;
        }
        catch (AuthException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.Discrepancy;
        }
        catch (HttpRequestException ex)
        {
            console.MarkupLine($"[red]error:[/] auth-service cannot be reached: {Markup.Escape(ex.Message)}");
            return ExitCodes.Unreachable;
        }
    }

    private static Option<string?> UrlOption() => new("--url")
    {
        Description = $"auth-service's base URL. Default: ${AuthClient.UrlVariable}, else {AuthClient.DefaultUrl}.",
    };

    private sealed record ClientHandle(HttpClient Http);

    private static ClientHandle? Client(IAnsiConsole console, string? explicitUrl, Func<string, string?> environment)
    {
        try
        {
            return new ClientHandle(new HttpClient { BaseAddress = AuthClient.BaseUrl(explicitUrl, environment), Timeout = TimeSpan.FromSeconds(30) });
        }
        catch (ArgumentException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return null;
        }
    }
}
