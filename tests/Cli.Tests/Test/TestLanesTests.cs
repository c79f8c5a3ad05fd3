using System.Globalization;
using LedgerX.Cli.Tests.Repository;

namespace LedgerX.Cli.Tests.Test;

/// <summary>
/// How <c>./ledgerx test</c> runs the solution's test projects (tools/testrun/testrun.sh): in lanes taking the slowest
/// first, every project once, the consumer contract tests in a phase of their own before the providers' verification.
/// The scheduling runs for real, against a stand-in <c>dotnet</c> on PATH that records each call and prints a summary
/// the way <c>dotnet test</c> does: what is tested is the script, not the test platform.
/// </summary>
public sealed class TestLanesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ledgerx-lanes-").FullName;

    public TestLanesTests()
    {
        // Each call: "start NAME" and "end NAME" in calls.log (appends of one short line each, so lanes never tear them).
        // A project named in FAKE_DOTNET_TOGETHER waits until all of them have started, and fails (exit 4, no summary)
        // if they have not within 60 s: they ran in different lanes at once. A project whose name starts with Failing
        // exits 3 with no summary, as a crashed test host would; one whose name starts with Flaky reports one failed
        // test the way the test platform does (coloured, message, stack trace).
        string dotnet = Path.Combine(_dir, "dotnet");
        File.WriteAllText(dotnet, """
            #!/usr/bin/env bash
            while [[ $# -gt 0 ]]; do case $1 in --project) project=$2; shift 2 ;; *) shift ;; esac; done
            name=$(basename "$project" .csproj)
            echo "start $name" >>"$FAKE_DOTNET_CALLS"
            echo "Running tests from $name.dll"
            if [[ " ${FAKE_DOTNET_TOGETHER:-} " == *" $name "* ]]; then
                for other in $FAKE_DOTNET_TOGETHER; do
                    for ((i = 0; i < 600; i++)); do grep -qx "start $other" "$FAKE_DOTNET_CALLS" && break; sleep 0.1; done
                    grep -qx "start $other" "$FAKE_DOTNET_CALLS" || { echo "end $name" >>"$FAKE_DOTNET_CALLS"; exit 4; }
                done
            fi
            echo "end $name" >>"$FAKE_DOTNET_CALLS"
            [[ $name == Failing* ]] && exit 3
            if [[ $name == Flaky* ]]; then
                printf '\e[31mfailed\e[0m Flaky.Tests.Api2.TheFloodIsRefused (2s 10ms)\n  from /nowhere/Flaky.Tests.dll (net10.0|x64)\n  Shouldly.ShouldAssertException : refused\n      should be\n  429\n\n  Additional Info:\n      the flood\n    at Flaky.Tests.Api2.TheFloodIsRefused()\n'
                printf 'Test run summary: Failed!\n  total: 3\n  failed: 1\n  succeeded: 2\n  skipped: 0\n  duration: 3s\n'
                exit 2
            fi
            printf 'Test run summary: Passed!\n  total: 3\n  failed: 0\n  succeeded: 2\n  skipped: 1\n  duration: 1s\n'
            """.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string Calls => Path.Combine(_dir, "calls.log");

    [Fact]
    public async Task TheSolutionListsEveryTestProjectOfTheRepository()
    {
        var run = await Bash.RunAsync("source ./ledgerx && solution_test_projects", ct: TestContext.Current.CancellationToken);
        run.ExitCode.ShouldBe(0, run.Output);

        var listed = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
        var onDisk = Directory.EnumerateFiles(Path.Combine(Bash.RepositoryRoot, "tests"), "*Tests.csproj", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Bash.RepositoryRoot, "tools"), "*Tests.csproj", SearchOption.AllDirectories))
            .Where(p => !p.Contains("/node_modules/", StringComparison.Ordinal))
            .Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();

        string.Join('\n', listed).ShouldBe(string.Join('\n', onDisk), "a test project missing from the solution is never built, so ./ledgerx test would never run it");
        listed.ShouldContain(p => p.EndsWith("LedgerX.EndToEnd.Tests.csproj", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheLanesTakeTheSlowestFirstAndCountEveryProjectOnce()
    {
        string[] projects = ["LedgerX.Nlp.UnitTests", "FailingOne.Tests", "LedgerX.Chaos.Tests", "LedgerX.Fraud.UnitTests", "LedgerX.EndToEnd.Tests"];
        string paths = string.Join(' ', projects.Select(p => Bash.Quote($"/nowhere/{p}/{p}.csproj")));

        // The two slowest must run side by side, one per lane, or their stand-ins fail.
        var run = await RunAsync("export FAKE_DOTNET_TOGETHER='LedgerX.EndToEnd.Tests LedgerX.Chaos.Tests'\n" + InTwoLanes(paths));

        run.ExitCode.ShouldBe(0, run.Output);
        var started = Started();
        string.Join(' ', started.Take(2).Order(StringComparer.Ordinal)).ShouldBe("LedgerX.Chaos.Tests LedgerX.EndToEnd.Tests", string.Join(", ", started));
        string.Join(' ', started.Order(StringComparer.Ordinal)).ShouldBe(string.Join(' ', projects.Order(StringComparer.Ordinal)), "every project once");
        // Four summaries of 2 passed and 1 skipped; the crashed one is one failure, never a pass.
        run.StdOut.ShouldContain("totals: 8 1 4", Case.Sensitive, run.Output);
        run.StdErr.ShouldContain("FailingOne.Tests");
    }

    /// <summary>CI shows the tail of a run: the failed tests are named there, with the start of their message, not
    /// only counted (a failure once cost a session the search through minutes of interleaved output).</summary>
    [Fact]
    public async Task TheRunsLastLinesNameEachFailedTest()
    {
        string paths = string.Join(' ', new[] { "LedgerX.Nlp.UnitTests", "Flaky.Tests" }.Select(p => Bash.Quote($"/nowhere/{p}.csproj")));

        var run = await RunAsync(InTwoLanes(paths));

        run.ExitCode.ShouldBe(0, run.Output);
        run.StdOut.ShouldContain("totals: 4 1 1");
        string tail = run.StdErr[run.StdErr.IndexOf("test modules by start", StringComparison.Ordinal)..];
        tail.ShouldContain("failed in Flaky.Tests:\n  failed Flaky.Tests.Api2.TheFloodIsRefused (2s 10ms)\n      Shouldly.ShouldAssertException : refused", Case.Sensitive, run.Output);
        tail.ShouldContain("      Additional Info:\n      the flood\n", Case.Sensitive, run.Output);
        tail.ShouldNotContain("at Flaky.Tests", Case.Sensitive, "the message, not the stack");
        tail.ShouldNotContain("/nowhere/Flaky.Tests.dll", Case.Sensitive, "which module is said once, not per test");
        tail.ShouldNotContain("LedgerX.Nlp.UnitTests:", Case.Sensitive, "a module that passed is not named");
    }

    [Fact]
    public async Task AProjectThatNeverRan_IsAFailure()
    {
        string paths = string.Join(' ', new[] { "LedgerX.Nlp.UnitTests", "LedgerX.Chaos.Tests" }.Select(p => Bash.Quote($"/nowhere/{p}.csproj")));

        // The lanes see the stop mark before they take anything, as after Ctrl-C.
        var run = await RunAsync(InTwoLanes(paths, beforeTheLanesStart: "touch \"$TEST_LANES_DIR/stop\""));

        run.ExitCode.ShouldBe(0, run.Output);
        run.StdOut.ShouldContain("totals: 0 2 0");
        run.StdErr.ShouldContain("LedgerX.Chaos.Tests never ran");
        File.Exists(Calls).ShouldBeFalse();
    }

    /// <summary>The whole sequence of <c>./ledgerx test</c> without a project: every test project of the solution exactly
    /// once, the consumer contract tests among them, and the providers' verification only after those ended (it reads
    /// the pact files they write).</summary>
    [Fact]
    public async Task EveryProjectRunsOnce_AndTheProvidersAfterTheConsumers()
    {
        var listed = await Bash.RunAsync("source ./ledgerx && solution_test_projects", ct: TestContext.Current.CancellationToken);
        var expected = listed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal);

        var run = await RunAsync("""
            check_pacts_committed() { :; }
            run_all_tests
            echo "totals: $TEST_PASSED $TEST_FAILED $TEST_SKIPPED"
            """);

        run.ExitCode.ShouldBe(0, run.Output);
        var calls = File.ReadAllLines(Calls);
        string.Join(' ', Started().Order(StringComparer.Ordinal)).ShouldBe(string.Join(' ', expected), "every test project of the solution exactly once");
        int consumerEnded = Array.IndexOf(calls, "end LedgerX.Contracts.ConsumerTests");
        int providerStarted = Array.IndexOf(calls, "start LedgerX.Contracts.ProviderTests");
        consumerEnded.ShouldBeGreaterThanOrEqualTo(0);
        providerStarted.ShouldBeGreaterThan(consumerEnded, string.Join('\n', calls));
        int count = expected.Count();
        run.StdOut.ShouldContain(string.Create(CultureInfo.InvariantCulture, $"totals: {2 * count} 0 {count}"));
    }

    /// <summary>PATHS queued and run in two lanes, their results collected, and the totals printed as "totals: P F S".</summary>
    private static string InTwoLanes(string paths, string beforeTheLanesStart = "") => $"""
        init_test_lanes "$TEST_LOG_DIR/lanes" {paths}
        {beforeTheLanesStart}
        start_test_lanes 1 2
        wait_test_lanes
        collect_test_lane_results {paths}
        echo "totals: $TEST_PASSED $TEST_FAILED $TEST_SKIPPED"
        """;

    /// <summary>SCRIPT after sourcing ./ledgerx, with the stand-in dotnet first on PATH, no broker, and fresh totals.</summary>
    private Task<BashRun> RunAsync(string script) => Bash.RunAsync(
        "source ./ledgerx\n" +
        $"TEST_LOG_DIR={Bash.Quote(_dir)}\n" +
        "TEST_PASSED=0 TEST_FAILED=0 TEST_SKIPPED=0\n" +
        script.Replace("\r", "", StringComparison.Ordinal),
        new Dictionary<string, string?>
        {
            ["PATH"] = _dir + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["FAKE_DOTNET_CALLS"] = Calls,
            ["PACT_BROKER_BASE_URL"] = null,
            ["CI"] = null,
            ["LEDGERX_TEST_TIMEOUT"] = null,
            ["LEDGERX_TEST_LANES"] = null,
        },
        TestContext.Current.CancellationToken);

    /// <summary>The projects in the order the stand-in dotnet was started on them.</summary>
    private List<string> Started() =>
        File.Exists(Calls) ? [.. File.ReadAllLines(Calls).Where(l => l.StartsWith("start ", StringComparison.Ordinal)).Select(l => l[6..])] : [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
