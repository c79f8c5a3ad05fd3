using System.CommandLine;
using System.Text.Json;
using LedgerX.Cli.Bench;
using LedgerX.Cli.Commands;
using Npgsql;
using Spectre.Console;

namespace LedgerX.Cli.Tests;

public sealed class BenchCommandParseBaseline
{
    private static ParseResult Parse(string line) => new RootCommand { BenchCommand.Create() }.Parse(line);

    [Fact]
    public void TheBaselineIsOffUnlessAskedFor()
    {
        Parse("bench").GetValue<bool>("--baseline").ShouldBeFalse();
        var result = Parse("bench --baseline --mode both --clients 16,64 --duration 15s");
        result.Errors.ShouldBeEmpty();
        result.GetValue<bool>("--baseline").ShouldBeTrue();
    }

    [Fact]
    public void TakesPostgresSettingsForTheBenchsOwnCluster()
    {
        var result = Parse("bench --postgres-setting shared_preload_libraries=pg_stat_statements,auto_explain --postgres-setting auto_explain.log_min_duration=20ms");

        result.Errors.ShouldBeEmpty();
        result.GetValue<string[]>("--postgres-setting").ShouldBe(["shared_preload_libraries=pg_stat_statements,auto_explain", "auto_explain.log_min_duration=20ms"]);
    }

    [Theory]
    [InlineData("bench --postgres-setting NoEquals")]
    [InlineData("bench --postgres-setting Fsync=off")]
    [InlineData("bench --postgres-setting \"fsync;drop=1\"")]
    [InlineData("bench --postgres-setting =on")]
    public void RefusesAnythingButASettingName(string line) =>
        Parse(line).Errors.ShouldHaveSingleItem().Message.ShouldContain("is not NAME=VALUE");

    [Theory]
    [InlineData("bench --baseline --url http://127.0.0.1:5100")]
    [InlineData("bench --postgres-setting fsync=off --url http://127.0.0.1:5100")]
    public void RefusesTheBaselineAgainstAServiceWhosePostgresItDoesNotRun(string line) =>
        Parse(line).Errors.ShouldHaveSingleItem().Message.ShouldContain("drop --url");
}

public sealed class PgBenchBaselineParts
{
    private const string PgBenchOutput = """
        transaction type: /tmp/ledgerx-bench-x/baseline/uniform.sql
        scaling factor: 1
        query mode: simple
        number of clients: 16
        number of threads: 2
        maximum number of tries: 1
        duration: 15 s
        number of transactions actually processed: 73478
        number of failed transactions: 0 (0.000%)
        latency average = 3.264 ms
        initial connection time = 10.712 ms
        tps = 4898.570173 (without initial connection time)
        """;

    [Fact]
    public void ReadsTransfersPerSecondFromPgbenchsReport() =>
        PgBenchBaseline.ParseTransfersPerSecond(PgBenchOutput).ShouldBe(4898.570173);

    [Fact]
    public void AReportWithoutTpsIsNoNumber() =>
        PgBenchBaseline.ParseTransfersPerSecond("pgbench: error: connection to server failed").ShouldBeNull();

    [Fact]
    public void FindsTheVersionDevenvStartsFirstThenTheNewestInstalled()
    {
        string[] installed = ["/usr/lib/postgresql/13/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

        PgBenchBaseline.FindPgBench(_ => true, installed).ShouldBe("/usr/lib/postgresql/15/bin/pgbench");
        PgBenchBaseline.FindPgBench(path => !path.Contains("/15/", StringComparison.Ordinal), installed).ShouldBe("/usr/lib/postgresql/16/bin/pgbench");
        PgBenchBaseline.FindPgBench(_ => false, installed).ShouldBeNull();
    }

    [Theory]
    [InlineData("uniform", "uniform.sql", "random(1, :accounts)")]
    [InlineData("hot", "hot.sql", "where id = 1;")]
    public void EachModesScriptShipsInsideTheTool(string mode, string name, string expected)
    {
        PgBenchBaseline.ScriptName(Enum.Parse<BenchMode>(mode, ignoreCase: true)).ShouldBe(name);
        var script = PgBenchBaseline.Script(name);
        script.ShouldContain(expected);
        script.ShouldContain("for update");
        script.ShouldContain("commit;");
    }
}

public sealed class BaselineComparisonPair
{
    /// <summary>A console that writes plain text into <paramref name="output"/>, wide enough for the tables.</summary>
    internal static IAnsiConsole PlainConsole(StringWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return console;
    }

    private static RunResult Run(BenchMode mode, int clients, long applied) => new(mode, clients, 1000, TimeSpan.FromSeconds(10), applied, 0, 0, 0,
        new Dictionary<int, long>(), [], LatencySummary.Empty);

    [Fact]
    public void DividesEachLedgerRunByTheRawSqlRunOfTheSameModeAndClientsPassByPass()
    {
        RunResult[] ledger = [Run(BenchMode.Uniform, 16, 28_680), Run(BenchMode.Hot, 16, 32_000), Run(BenchMode.Hot, 16, 5_660)];
        BaselineRun[] raw = [new(BenchMode.Uniform, 16, 4_898), new(BenchMode.Hot, 16, 1_000), new(BenchMode.Hot, 16, 1_600)];

        var pairs = BaselineComparison.Pair(ledger, raw);

        pairs.Select(p => Math.Round(p.Ratio, 2)).ShouldBe([0.59, 3.2, 0.35]);
        pairs[0].LedgerPerSecond.ShouldBe(2_868);
        pairs[0].RawSqlPerSecond.ShouldBe(4_898);
    }

    [Fact]
    public void RunsInADifferentOrderAreABugNotARatio() =>
        Should.Throw<InvalidOperationException>(() => BaselineComparison.Pair([Run(BenchMode.Hot, 16, 1)], [new(BenchMode.Uniform, 16, 1)]));

    [Fact]
    public void TheReportPrintsAndWritesTheRatios()
    {
        var runs = new[] { Run(BenchMode.Uniform, 16, 28_680), Run(BenchMode.Hot, 64, 36_000) };
        var report = new BenchReport(DateTimeOffset.UnixEpoch, "machine", "http://127.0.0.1/", new Dictionary<string, string>(),
            new Dictionary<string, string>(), new BenchSettingsView("uniform,hot", 1000, [16, 64], 10, 0, 1), runs, null, null)
        {
            Baseline = BaselineComparison.Pair(runs, [new(BenchMode.Uniform, 16, 4_898), new(BenchMode.Hot, 64, 1_000)]),
        };
        var output = new StringWriter();

        report.Render(PlainConsole(output));

        output.ToString().ShouldContain("ledger vs raw SQL");
        output.ToString().ShouldContain("0.59×");
        output.ToString().ShouldContain("3.60×");
        var json = JsonSerializer.SerializeToElement(report, new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        });
        var first = json.GetProperty("baseline")[0];
        first.GetProperty("mode").GetString().ShouldBe("uniform");
        first.GetProperty("rawSqlPerSecond").GetDouble().ShouldBe(4_898);
        Math.Round(first.GetProperty("ratio").GetDouble(), 2).ShouldBe(0.59);
    }
}

/// <summary>One real pgbench run of both scripts, a second each, against the test PostgreSQL (./ledgerx test and CI set it).</summary>
public sealed class PgBenchBaselineRun
{
    [Fact]
    public async Task RunsBothModesOnARealServerAndDropsItsDatabase()
    {
        var server = Environment.GetEnvironmentVariable("LEDGERX_TEST_POSTGRES");
        var pgbench = PgBenchBaseline.FindPgBench();
        Assert.SkipWhen(string.IsNullOrEmpty(server) || pgbench is null, "needs LEDGERX_TEST_POSTGRES and Debian's pgbench (./ledgerx test provides both)");
        var connection = new NpgsqlConnectionStringBuilder(server);
        var settings = new BenchSettings(null, [BenchMode.Uniform, BenchMode.Hot], 20, [2], TimeSpan.FromSeconds(1), TimeSpan.Zero, 1, null,
            new Dictionary<string, string>());
        var database = $"ledgerx_baseline_{Guid.NewGuid():N}"[..40];
        var work = Directory.CreateTempSubdirectory("ledgerx-baseline-test-");
        try
        {
            var runs = await PgBenchBaseline.RunAsync(BaselineComparisonPair.PlainConsole(new StringWriter()), pgbench!, BenchEnvironment.FindPsql(), connection.Host!,
                connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), settings, work.FullName,
                TestContext.Current.CancellationToken, database);

            runs.Select(r => (r.Mode, r.Clients)).ShouldBe([(BenchMode.Uniform, 2), (BenchMode.Hot, 2)]);
            runs.ShouldAllBe(r => r.TransfersPerSecond > 0);
            await using var check = new NpgsqlConnection(server);
            await check.OpenAsync(TestContext.Current.CancellationToken);
            await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", check) { Parameters = { new() { Value = database } } };
            ((long)(await exists.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).ShouldBe(0);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
