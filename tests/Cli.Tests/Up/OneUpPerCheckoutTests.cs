using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LedgerX.Cli.Tests.Repository;

namespace LedgerX.Cli.Tests.Up;

/// <summary>
/// <c>./ledgerx up</c> twice in one checkout: the second must name the running one and leave it, and the PostgreSQL and
/// Redis it shares in <c>.ledgerx/</c>, alone (it used to fail on the ports, then stop those servers on its way out). The
/// running <c>up</c> is staged in a directory of the test's own (<c>LEDGERX_UP_DIR</c>) by the script's own functions:
/// it takes the lock and starts the servers exactly as <c>up</c> does, then waits where <c>up</c> would run the apps.
/// </summary>
public sealed class OneUpPerCheckoutTests : IAsyncLifetime
{
    private readonly string _upDir = Directory.CreateTempSubdirectory("ledgerx-up-").FullName;
    private readonly Dictionary<string, string?> _environment;
    private Process? _runningUp;

    public OneUpPerCheckoutTests() => _environment = new()
    {
        ["LEDGERX_UP_DIR"] = _upDir,
        // The test run's own servers must not leak into the staged `up` (it starts servers of its own).
        ["LEDGERX_POSTGRES"] = null,
        ["LEDGERX_REDIS"] = null,
        // Never the ports a developer's real `up` prefers (5432, 6379).
        ["LEDGERX_POSTGRES_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LEDGERX_REDIS_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        // Nor its SMTP server's and provider sink's (1025, 5149).
        ["LEDGERX_SMTP_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LEDGERX_PROVIDER_SINK_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_runningUp is { HasExited: false })
        {
            _runningUp.Kill();
        }
        _runningUp?.Dispose();
        await Bash.RunAsync($"tools/devenv/devenv.sh stop {Bash.Quote(_upDir)} --purge");
    }

    [Fact]
    public async Task ASecondUp_NamesTheRunningOne_AndLeavesItAndItsServersAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        _runningUp = await StartRunningUpAsync(ct);
        var serversBefore = await Bash.RunAsync($"tools/devenv/devenv.sh env {Bash.Quote(_upDir)}", _environment, ct);
        serversBefore.ExitCode.ShouldBe(0, serversBefore.Output);

        var second = await Bash.RunAsync("./ledgerx up", _environment, ct);

        second.ExitCode.ShouldBe(1, second.Output);
        var pid = _runningUp.Id;
        second.StdErr.ShouldContain($"./ledgerx up is already running in this checkout (pid {pid}");
        second.StdErr.ShouldContain("transaction-service  http://127.0.0.1:5100");
        second.StdErr.ShouldContain("fraud-service        http://127.0.0.1:5110");
        second.StdErr.ShouldContain("analytics-service    http://127.0.0.1:5120");
        second.StdErr.ShouldContain(serversBefore.StdOut.Split('\n')[0]["LEDGERX_POSTGRES=".Length..], Case.Sensitive, "the running up's PostgreSQL");
        second.StdErr.ShouldContain($"Ctrl-C in its terminal, or kill {pid}");
        second.StdErr.ShouldNotContain("building", Case.Sensitive, "it stops before building anything");
        // Untouched: the first still runs, and so do its servers, on the same ports.
        _runningUp.HasExited.ShouldBeFalse();
        var serversAfter = await Bash.RunAsync($"tools/devenv/devenv.sh env {Bash.Quote(_upDir)}", _environment, ct);
        serversAfter.ExitCode.ShouldBe(0, "the second up must not stop the servers of the first: " + serversAfter.Output);
        serversAfter.StdOut.ShouldBe(serversBefore.StdOut);
    }

    [Fact]
    public async Task TheLockOfAKilledUp_IsTakenOver_ThoughTheServersItStartedStillRun()
    {
        var ct = TestContext.Current.CancellationToken;
        _runningUp = await StartRunningUpAsync(ct);
        var killedPid = _runningUp.Id;
        _runningUp.Kill();
        await _runningUp.WaitForExitAsync(ct);
        // PostgreSQL and Redis outlive a killed `up`; they must not have inherited its lock.
        (await Bash.RunAsync($"tools/devenv/devenv.sh env {Bash.Quote(_upDir)}", _environment, ct)).ExitCode.ShouldBe(0);

        var next = await Bash.RunAsync("source ./ledgerx && take_up_lock && echo \"locked by $$\" && cat \"$LEDGERX_UP_DIR/up.info\"", _environment, ct);

        next.ExitCode.ShouldBe(0, next.Output);
        next.StdErr.ShouldContain($"taking over {_upDir} from an earlier ./ledgerx up (pid {killedPid}) that did not stop cleanly");
        var newPid = next.StdOut.Split('\n')[0]["locked by ".Length..];
        next.StdOut.ShouldContain($"pid={newPid}\n", Case.Sensitive, "up.info names the new holder");
    }

    /// <summary>The first `up`: lock and servers as `up` takes and starts them, then it waits, holding the lock.</summary>
    private Task<Process> StartRunningUpAsync(CancellationToken ct) =>
        Bash.StartAsync("source ./ledgerx && take_up_lock && start_up_servers && echo ready && exec sleep 600", "ready", _environment, ct);

    private static int FreePort() => LedgerX.LocalDapr.Launcher.PortReservation.Next();
}
