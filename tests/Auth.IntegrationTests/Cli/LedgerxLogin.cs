extern alias cli;
using cli::LedgerX.Cli.Auth;
using cli::LedgerX.Cli.Commands;
using Spectre.Console;

namespace LedgerX.Auth.IntegrationTests.Cli;

/// <summary>`./ledgerx login` (device flow) and `./ledgerx token` (refresh when expired) against the real auth-service.</summary>
public sealed class LedgerxLogin(AuthServer server) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ledgerx-cli-tokens-").FullName;

    private string TokensFile => Path.Combine(_directory, "ledgerx", "tokens.json");

    [Fact]
    public async Task LoginStoresTheTokensPrivatelyAndTokenRefreshesThemWhenExpired()
    {
        using var http = new HttpClient { BaseAddress = server.Client.BaseAddress };
        // Polls every 0.5 s instead of 5 s: what is under test is what login does with the tokens, not the RFC's pace.
        var auth = new AuthClient(http, new HurriedTimers());
        var device = await auth.StartAsync(AuthClient.DefaultScope, CancellationToken.None);
        var polling = auth.PollAsync(device, CancellationToken.None);

        await ApproveAsync(device.UserCode);
        var tokens = await polling.WaitAsync(TimeSpan.FromSeconds(60));
        var store = new TokenStore(TokensFile);
        await store.SaveAsync(tokens, CancellationToken.None);

        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(TokensFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        tokens.RefreshToken.ShouldNotBeNull();

        // `ledgerx token` prints the stored token while it lives ...
        var printed = await TokenCommandAsync();
        printed.ShouldBe(tokens.AccessToken);

        // ... and refreshes (rotating the refresh token, saved) once it is about to expire.
        await store.SaveAsync(tokens with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(5) }, CancellationToken.None);
        var refreshed = await TokenCommandAsync();
        refreshed.ShouldNotBe(tokens.AccessToken);
        var saved = (await store.LoadAsync(CancellationToken.None))!;
        saved.AccessToken.ShouldBe(refreshed);
        saved.RefreshToken.ShouldNotBe(tokens.RefreshToken);
        using var me = await Accounts.SendAsync(server, HttpMethod.Get, "/api/v1/users/me", refreshed);
        me.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task TokenWithoutLoginSaysToLogIn()
    {
        using var messages = new StringWriter();
        using var output = new StringWriter();

        var exit = await LoginCommand.TokenAsync(output, Console(messages), server.Client.BaseAddress!.ToString(), Environment, CancellationToken.None);

        exit.ShouldNotBe(0);
        output.ToString().ShouldBeEmpty();
        messages.ToString().ShouldContain("ledgerx login");
    }

    private async Task<string> TokenCommandAsync()
    {
        using var output = new StringWriter();
        using var messages = new StringWriter();
        var exit = await LoginCommand.TokenAsync(output, Console(messages), server.Client.BaseAddress!.ToString(), Environment, CancellationToken.None);
        exit.ShouldBe(0, messages.ToString());
        return output.ToString().Trim();
    }

    private static IAnsiConsole Console(TextWriter writer) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });

    private string? Environment(string name) => name == TokenStore.FileVariable ? TokensFile : null;

    private async Task ApproveAsync(string userCode)
    {
        using var browser = server.Browser();
        var verify = $"/connect/verify?user_code={Uri.EscapeDataString(userCode)}";
        (await browser.SignInAsync(AuthServer.CustomerEmail, AuthServer.CustomerPassword, verify)).Dispose();
        using var page = await browser.GetAsync(verify);
        using var approved = await browser.PostFormAsync("/connect/verify", await page.Content.ReadAsStringAsync(),
            new Dictionary<string, string> { ["user_code"] = userCode, ["decision"] = "approve" });
        approved.StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
