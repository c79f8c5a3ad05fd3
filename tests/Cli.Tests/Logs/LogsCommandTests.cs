using LedgerX.Cli.Commands;
using LedgerX.Cli.Common;
using LedgerX.Cli.Logs;
using LedgerX.LocalDapr.Launcher;

namespace LedgerX.Cli.Tests.Logs;

/// <summary>`ledgerx logs` over a log directory written by hand: merge order, filters, following, and its refusals.</summary>
public sealed class LogsCommandTests : IDisposable
{
    private const string Trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string OtherTrace = "0af7651916cd43dd8448eb211c80319c";
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddMinutes(-10);
    private readonly LogDirectoryFixture _logs = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task Lines_of_all_apps_and_their_rotated_files_come_out_in_time_order()
    {
        _logs.AppendRotated("alpha", LogDirectoryFixture.Line(T0, "a1"));
        _logs.Append("alpha", LogDirectoryFixture.Line(T0.AddSeconds(2), "a3"), LogDirectoryFixture.Line(T0.AddSeconds(4), "a5"));
        _logs.Append("beta", LogDirectoryFixture.Line(T0.AddSeconds(1), "b2"), LogDirectoryFixture.Line(T0.AddSeconds(3), "b4", origin: ClefEvent.SidecarOrigin));

        var (code, output, _) = await RunAsync();

        code.ShouldBe(ExitCodes.Ok);
        Messages(output).ShouldBe(["a1", "b2", "a3", "b4", "a5"]);
        output.ShouldContain(" beta/daprd ");
        output.ShouldContain("INF Sample: a1");
    }

    [Fact]
    public async Task Trace_app_level_and_since_filters_each_narrow_the_lines()
    {
        _logs.Append("alpha",
            LogDirectoryFixture.Line(DateTimeOffset.UtcNow.AddHours(-2), "old", Trace),
            LogDirectoryFixture.Line(T0, "traced", Trace),
            LogDirectoryFixture.Line(T0.AddSeconds(1), "other", OtherTrace, level: "Warning"));
        _logs.Append("beta", LogDirectoryFixture.Line(T0.AddSeconds(2), "beta traced", Trace.ToUpperInvariant(), level: "Error"));

        Messages((await RunAsync("--trace", Trace)).Output).ShouldBe(["old", "traced", "beta traced"]);
        Messages((await RunAsync("--app", "beta")).Output).ShouldBe(["beta traced"]);
        Messages((await RunAsync("--level", "warn")).Output).ShouldBe(["other", "beta traced"]);
        Messages((await RunAsync("--since", "1h", "--trace", Trace, "--app", "alpha")).Output).ShouldBe(["traced"]);
    }

    [Fact]
    public async Task Json_output_is_the_files_line_with_the_app_id_added()
    {
        _logs.Append("alpha", LogDirectoryFixture.Line(T0, "hello", Trace));

        var (_, output, _) = await RunAsync("--json");

        var line = System.Text.Json.JsonDocument.Parse(output.Trim()).RootElement;
        line.GetProperty("AppId").GetString().ShouldBe("alpha");
        line.GetProperty("@m").GetString().ShouldBe("hello");
        line.GetProperty("@tr").GetString().ShouldBe(Trace);
    }

    [Fact]
    public async Task Follow_prints_lines_written_later_including_after_a_rotation_and_ends_when_up_stops()
    {
        _logs.MarkRunning();
        _logs.Append("alpha", LogDirectoryFixture.Line(T0, "before"));
        var output = new StringWriter();
        var error = new StringWriter();
        var query = LogsCommand.Parse([], null, null, null, follow: true, json: false, _logs.Path, out _).ShouldNotBeNull();
        var run = new LogsRunner(query, TextWriter.Synchronized(output), TextWriter.Synchronized(error), TimeProvider.System).RunAsync(Ct);
        await LogDirectoryFixture.WaitUntilAsync(() => output.ToString().Contains("before", StringComparison.Ordinal), "the existing line");

        _logs.Append("alpha", LogDirectoryFixture.Line(DateTimeOffset.UtcNow, "after"));
        await LogDirectoryFixture.WaitUntilAsync(() => output.ToString().Contains("after", StringComparison.Ordinal), "the appended line");

        // The launcher's rotation: the file is renamed, a last line may still land in it, then a new file begins.
        string current = LogFiles.CurrentPath(_logs.Path, "alpha");
        File.Move(current, LogFiles.RotatedPath(_logs.Path, "alpha"), overwrite: true);
        _logs.Append("alpha", LogDirectoryFixture.Line(DateTimeOffset.UtcNow, "fresh file"));
        await LogDirectoryFixture.WaitUntilAsync(() => output.ToString().Contains("fresh file", StringComparison.Ordinal), "the rotated-in file's line");
        run.IsCompleted.ShouldBeFalse();

        _logs.MarkStopped();
        (await run.WaitAsync(TimeSpan.FromSeconds(60), Ct)).ShouldBe(ExitCodes.Ok);
        Messages(output.ToString()).ShouldBe(["before", "after", "fresh file"]);
        error.ToString().ShouldContain("up stopped");
    }

    [Fact]
    public async Task Without_a_running_up_the_last_runs_lines_are_shown_and_said_so_and_follow_fails()
    {
        _logs.Append("alpha", LogDirectoryFixture.Line(T0, "last run"));

        var shown = await RunAsync();
        shown.Code.ShouldBe(ExitCodes.Ok);
        Messages(shown.Output).ShouldBe(["last run"]);
        shown.Error.ShouldContain("./ledgerx up is not running");

        var followed = await RunAsync("--follow");
        followed.Code.ShouldBe(ExitCodes.NotRunning);
        followed.Error.ShouldContain("./ledgerx up is not running");
    }

    [Fact]
    public async Task No_logs_at_all_and_an_unknown_app_are_refused_with_what_to_do()
    {
        var empty = await RunAsync();
        empty.Code.ShouldBe(ExitCodes.NotRunning);
        empty.Error.ShouldContain("./ledgerx up has not run");

        _logs.Append("alpha", LogDirectoryFixture.Line(T0, "x"));
        var unknown = await RunAsync("--app", "gamma");
        unknown.Code.ShouldBe(ExitCodes.SetupFailed);
        unknown.Error.ShouldContain("the apps are: alpha");
    }

    [Theory]
    [InlineData("--trace", "not-a-trace", "--trace")]
    [InlineData("--trace", "00000000000000000000000000000000", "--trace")]
    [InlineData("--since", "yesterday", "--since")]
    [InlineData("--level", "loud", "--level")]
    [InlineData("--app", "../etc", "--app")]
    public async Task Bad_arguments_are_named_in_the_error(string option, string value, string named)
    {
        var (code, output, error) = await RunAsync(option, value);

        code.ShouldBe(ExitCodes.SetupFailed);
        output.ShouldBeEmpty();
        error.ShouldContain(named);
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var parsed = LogsCommand.Create().Parse([.. args, "--dir", _logs.Path]);
        parsed.Errors.ShouldBeEmpty();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        int code = await LogsCommand.RunAsync(parsed, output, error, timeout.Token);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The message of each readable line: what follows the logging class's short name.</summary>
    private static List<string> Messages(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line[(line.IndexOf("Sample: ", StringComparison.Ordinal) + "Sample: ".Length)..].TrimEnd())];
}
