using LedgerX.Cli.Auth;
using System.Net;
using System.Net.Sockets;
using LedgerX.Cli.Commands;
using LedgerX.Cli.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LedgerX.Cli.Tests;

/// <summary>A stand-in for transaction-service: Kestrel on 127.0.0.1:0 answering one path with a fixed status and body.</summary>
internal sealed class FakeLedgerEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeLedgerEndpoint(WebApplication app) => _app = app;

    public Uri BaseUrl => new(_app.Urls.Single() + "/");

    public int Port => BaseUrl.Port;

    /// <summary>Answers <paramref name="path"/>; with <paramref name="requiredBearer"/>, only a call carrying that bearer
    /// token (401 otherwise, as the gateway answers).</summary>
    public static async Task<FakeLedgerEndpoint> StartAsync(string path, int status, string body, string? requiredBearer = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet(path, (HttpRequest request) => requiredBearer is not null && request.Headers.Authorization != $"Bearer {requiredBearer}"
            ? Results.Text("""{"status":401,"code":"unauthorized"}""", "application/problem+json", statusCode: 401)
            : Results.Text(body, "application/json", statusCode: status));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new FakeLedgerEndpoint(app);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed class VerifyCommandRun
{
    private const string VerifyPath = "/api/v1/ledger/verify";

    private const string OkBody = """{"ok":true,"eventsChecked":1234,"accountsChecked":56,"lastSequence":1234,"firstDiscrepancy":null}""";

    private const string DiscrepancyBody = """
        {"ok":false,"eventsChecked":17,"accountsChecked":3,"lastSequence":17,
         "firstDiscrepancy":{"kind":"balance_mismatch","message":"Account balance differs from the replayed log.","sequence":12,
                             "accountId":"0193a5c4-7f00-7000-8000-000000000001","expected":"1500","actual":"999999"}}
        """;

    private static (IAnsiConsole Console, StringWriter Output) Console()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        return (console, output);
    }

    private static Func<string, string?> NoEnvironment => _ => null;

    [Fact]
    public async Task ExitsZeroAndSaysOkWhenTheLedgerIsConsistent()
    {
        await using var fake = await FakeLedgerEndpoint.StartAsync(VerifyPath, 200, OkBody);
        var (console, output) = Console();

        var exitCode = await VerifyCommand.RunAsync(console, fake.BaseUrl.ToString(), NoEnvironment, TestContext.Current.CancellationToken);

        exitCode.ShouldBe(ExitCodes.Ok);
        output.ToString().ShouldContain("OK ledger consistent: 1,234 events, 56 accounts, 0 entries, 0 postings and 0 holds checked, last sequence 1,234");
    }

    [Fact]
    public async Task ExitsOneAndShowsEveryFieldOfTheFirstDiscrepancy()
    {
        await using var fake = await FakeLedgerEndpoint.StartAsync(VerifyPath, 200, DiscrepancyBody);
        var (console, output) = Console();

        var exitCode = await VerifyCommand.RunAsync(console, fake.BaseUrl.ToString(), NoEnvironment, TestContext.Current.CancellationToken);

        exitCode.ShouldBe(ExitCodes.Discrepancy);
        var text = output.ToString();
        text.ShouldContain("DISCREPANCY ledger inconsistent: 1 discrepancy after 17 events");
        text.ShouldContain("balance_mismatch");
        text.ShouldContain("Account balance differs from the replayed log.");
        text.ShouldContain("12");
        text.ShouldContain("0193a5c4-7f00-7000-8000-000000000001");
        text.ShouldContain("1500");
        text.ShouldContain("999999");
    }

    [Fact]
    public async Task ListsEveryReportedDiscrepancyWithItsTableColumnAndRow_AndSaysHowManyMore()
    {
        const string body = """
            {"ok":false,"eventsChecked":40,"accountsChecked":3,"lastSequence":40,"entriesChecked":12,"postingsChecked":24,"holdsChecked":2,
             "discrepancyCount":5,
             "firstDiscrepancy":{"kind":"posting_mismatch","message":"postings row e1 line 1: balance_after is '999'; the event log gives '250'.",
                                 "sequence":7,"accountId":"0193a5c4-7f00-7000-8000-000000000002","expected":"250","actual":"999",
                                 "table":"postings","column":"balance_after","row":"e1 line 1"},
             "discrepancies":[
               {"kind":"posting_mismatch","message":"m","sequence":7,"accountId":null,"expected":"250","actual":"999",
                "table":"postings","column":"balance_after","row":"e1 line 1"},
               {"kind":"entry_mismatch","message":"m","sequence":7,"accountId":null,"expected":"rent","actual":"edited",
                "table":"journal_entries","column":"description","row":"e1"}]}
            """;
        await using var fake = await FakeLedgerEndpoint.StartAsync(VerifyPath, 200, body);
        var (console, output) = Console();

        var exitCode = await VerifyCommand.RunAsync(console, fake.BaseUrl.ToString(), NoEnvironment, TestContext.Current.CancellationToken);

        exitCode.ShouldBe(ExitCodes.Discrepancy);
        var text = output.ToString();
        text.ShouldContain("DISCREPANCY ledger inconsistent: 5 discrepancies after 40 events");
        text.ShouldContain("12 entries, 24 postings, 2 holds checked");
        text.ShouldContain("postings.balance_after e1 line 1");
        text.ShouldContain("journal_entries.description e1");
        text.ShouldContain("edited");
        text.ShouldContain("… and 3 more not listed");
    }

    [Fact]
    public async Task ExitsTwoWhenNothingListens()
    {
        var (console, output) = Console();

        var exitCode = await VerifyCommand.RunAsync(console, $"http://127.0.0.1:{UnusedPort()}", NoEnvironment, TestContext.Current.CancellationToken);

        exitCode.ShouldBe(ExitCodes.Unreachable);
        output.ToString().ShouldContain("UNREACHABLE");
    }

    [Fact]
    public async Task ExitsTwoWhenTheAnswerIsNotAReport()
    {
        await using var fake = await FakeLedgerEndpoint.StartAsync(VerifyPath, 503, """{"title":"Service Unavailable"}""");
        var (console, output) = Console();

        var exitCode = await VerifyCommand.RunAsync(console, fake.BaseUrl.ToString(), NoEnvironment, TestContext.Current.CancellationToken);

        exitCode.ShouldBe(ExitCodes.Unreachable);
        output.ToString().ShouldContain("HTTP 503");
    }

    [Fact]
    public async Task GoesThroughDaprServiceInvocationWhenOnlyTheSidecarPortIsKnown()
    {
        await using var fake = await FakeLedgerEndpoint.StartAsync("/v1.0/invoke/transaction-service/method" + VerifyPath, 200, OkBody);
        var (console, _) = Console();
        var environment = (string key) => key == ServiceUrls.DaprHttpPortVariable ? fake.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

        var exitCode = await VerifyCommand.RunAsync(console, null, environment, TestContext.Current.CancellationToken);

        exitCode.ShouldBe(ExitCodes.Ok);
    }

    [Fact]
    public async Task SendsTheTokenOfLedgerxTokenAndSaysWhatIsMissingWhenRefused()
    {
        await using var fake = await FakeLedgerEndpoint.StartAsync(VerifyPath, 200, OkBody, requiredBearer: "staff-token");
        var (console, output) = Console();
        var noSession = Path.Combine(Path.GetTempPath(), $"ledgerx-no-session-{Guid.NewGuid():N}.json");

        var withToken = await VerifyCommand.RunAsync(console, fake.BaseUrl.ToString(),
            key => key == CallerToken.Variable ? "staff-token" : null, TestContext.Current.CancellationToken);
        var without = await VerifyCommand.RunAsync(console, fake.BaseUrl.ToString(),
            key => key == "LEDGERX_TOKENS_FILE" ? noSession : null, TestContext.Current.CancellationToken);

        withToken.ShouldBe(ExitCodes.Ok);
        without.ShouldBe(ExitCodes.Unreachable);
        output.ToString().ShouldContain("ledger:verify");
    }

    /// <summary>A port that was free a moment ago; nothing in the test binds it again.</summary>
    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
