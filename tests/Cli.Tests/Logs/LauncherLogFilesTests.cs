using LedgerX.Cli.Commands;
using LedgerX.Cli.Common;
using LedgerX.LocalDapr.Launcher;

namespace LedgerX.Cli.Tests.Logs;

/// <summary>
/// The launcher of <c>./ledgerx up</c> writing a real app's and its sidecar's lines to the log directory, and
/// <c>ledgerx logs --trace</c> finding a request's line there. The app is a node process (no build, starts in
/// milliseconds) that logs as the services do under <c>LEDGERX_LOG_FORMAT=json</c>: a CLEF line with the trace and span
/// ids of the request, taken from the <c>traceparent</c> its sidecar sent.
/// </summary>
public sealed class LauncherLogFilesTests : IDisposable
{
    private const string TraceId = "5b8efff798038103d269b633813fc60c";
    private const string NodeApp = """
        const http = require('http');
        http.createServer((req, res) => {
          const parent = (req.headers['traceparent'] || '').split('-');
          if (req.url === '/work') {
            console.log(JSON.stringify({ '@t': new Date().toISOString(), '@m': 'handled work', '@tr': parent[1], '@sp': parent[2],
              SourceContext: 'Node.WorkApi', Format: process.env.LEDGERX_LOG_FORMAT }));
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(req.url === '/dapr/subscribe' ? '[]' : '{}');
        }).listen(Number(process.env.APP_PORT), '127.0.0.1', () => console.log('listening on ' + process.env.APP_PORT));
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("ledgerx-launcher-logs-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_requests_line_lands_in_the_apps_file_with_its_trace_id_and_logs_trace_finds_it()
    {
        string appId = "worker-" + Guid.NewGuid().ToString("N")[..6];
        int sidecarPort = MultiAppRunner.FreePort();
        Directory.CreateDirectory(Path.Combine(_folder, "app"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "app", "app.js"), NodeApp, Ct);
        await File.WriteAllTextAsync(Path.Combine(_folder, "dapr.yaml"), $"""
            version: 1
            apps:
              - appID: {appId}
                appDirPath: ./app
                appPort: {MultiAppRunner.FreePort()}
                daprHTTPPort: {sidecarPort}
                command: ["node", "app.js"]
                env:
                  DAPR_API_TOKEN: ""
                  APP_API_TOKEN: ""
            """, Ct);
        string logs = Path.Combine(_folder, ".ledgerx", "logs");
        var console = new StringWriter();
        var options = new LauncherOptions { RegistryDirectory = Path.Combine(_folder, "registry"), AppStartTimeout = TimeSpan.FromSeconds(60), LogDirectory = logs };
        using var stop = new CancellationTokenSource();
        var run = new MultiAppRunner(RunFile.Load(_folder), options, new ConsoleOutput(TextWriter.Synchronized(console), colour: false)).RunAsync(stop.Token);
        try
        {
            await LogDirectoryFixture.WaitUntilAsync(() => console.ToString().Contains("APP ID", StringComparison.Ordinal) || run.IsCompleted, "the app to start");
            run.IsCompleted.ShouldBeFalse(console.ToString());
            LauncherInfo.Read(logs).ShouldNotBeNull().IsRunning().ShouldBeTrue();

            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{sidecarPort}/v1.0/invoke/{appId}/method/work");
            request.Headers.Add("traceparent", $"00-{TraceId}-b7ad6b7169203331-01");
            (await http.SendAsync(request, Ct)).EnsureSuccessStatusCode();

            string found = "";
            await LogDirectoryFixture.WaitUntilAsync(
                async () => (found = await LogsAsync("--trace", TraceId, "--app", appId, "--json")).Contains("handled work", StringComparison.Ordinal),
                "the request's line in the app's log file");
            var line = System.Text.Json.JsonDocument.Parse(found.Trim().Split('\n').Single()).RootElement;
            line.GetProperty("AppId").GetString().ShouldBe(appId);
            line.GetProperty("@tr").GetString().ShouldBe(TraceId);
            // The sidecar's span, not the caller's: the app's line continues the trace through its sidecar.
            line.GetProperty("@sp").GetString().ShouldNotBe("b7ad6b7169203331");
            line.GetProperty("Format").GetString().ShouldBe("json");

            // The console shows the event readable, and the app's plain output as it was.
            console.ToString().ShouldContain($"INF WorkApi: handled work");
            console.ToString().ShouldContain($"[{appId}] listening on");
            // The plain line and the sidecar's own events are in the file too, as CLEF lines.
            string all = await LogsAsync("--app", appId, "--json");
            all.ShouldContain("\"Origin\":\"stdout\"");
            all.ShouldContain("\"Origin\":\"daprd\"");
        }
        finally
        {
            await stop.CancelAsync();
            (await run.WaitAsync(TimeSpan.FromSeconds(60), Ct)).ShouldBe(0);
        }

        LauncherInfo.Read(logs).ShouldBeNull();
        File.Exists(LogFiles.CurrentPath(logs, appId)).ShouldBeTrue();
    }

    [Fact]
    public void A_file_past_its_cap_is_rotated_and_a_new_run_keeps_the_last_one_as_the_rotated_file()
    {
        string directory = Path.Combine(_folder, "logs");
        const long cap = 4096;
        using (var files = LogFiles.Open(directory, ["alpha"], cap, TimeProvider.System, _ => { }))
        {
            var file = files.For("alpha");
            for (int i = 0; i < 100; i++)
            {
                file.Append(LogDirectoryFixture.Line(DateTimeOffset.UtcNow, $"line {i:D3} " + new string('x', 60)));
            }

            file.Flush();
            new FileInfo(file.Path).Length.ShouldBeLessThanOrEqualTo(cap);
            new FileInfo(file.RotatedPath).Length.ShouldBeLessThanOrEqualTo(cap);
            File.ReadAllLines(file.Path).Last().ShouldContain("line 099");
            File.ReadAllLines(file.RotatedPath).Concat(File.ReadAllLines(file.Path)).ShouldAllBe(l => ClefEvent.TryParse(l) != null);
        }

        string lastRun = File.ReadAllText(LogFiles.CurrentPath(directory, "alpha"));
        using (LogFiles.Open(directory, ["alpha"], cap, TimeProvider.System, _ => { }))
        {
            File.ReadAllText(LogFiles.RotatedPath(directory, "alpha")).ShouldBe(lastRun);
            new FileInfo(LogFiles.CurrentPath(directory, "alpha")).Length.ShouldBe(0);
        }
    }

    [Fact]
    public void A_file_that_cannot_be_written_is_reported_once_and_never_stops_the_launcher()
    {
        string directory = Path.Combine(_folder, "doomed");
        var warnings = new List<string>();
        using var files = LogFiles.Open(directory, ["alpha"], 4096, TimeProvider.System, warnings.Add);
        Directory.Delete(directory, recursive: true);

        for (int i = 0; i < 100; i++)
        {
            files.For("alpha").Append(LogDirectoryFixture.Line(DateTimeOffset.UtcNow, $"line {i} " + new string('x', 60)));
        }

        warnings.ShouldHaveSingleItem().ShouldContain("cannot be written");
    }

    private async Task<string> LogsAsync(params string[] args)
    {
        var output = new StringWriter();
        var parsed = LogsCommand.Create().Parse([.. args, "--dir", Path.Combine(_folder, ".ledgerx", "logs")]);
        int code = await LogsCommand.RunAsync(parsed, output, new StringWriter(), Ct);
        code.ShouldBe(ExitCodes.Ok);
        return output.ToString();
    }
}
