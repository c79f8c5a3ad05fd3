using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Bench;

/// <summary>One pgbench run of the raw-SQL transfer (Bench/Baseline/*.sql): transfers committed per second.</summary>
internal sealed record BaselineRun(BenchMode Mode, int Clients, double TransfersPerSecond);

/// <summary>
/// `ledgerx bench --baseline`: the same transfer in raw SQL (lock two rows in id order, two balance updates, one entry
/// and two postings, commit), run by Debian's pgbench for every (mode, clients) of the bench, in a database of its own on
/// the bench's own PostgreSQL — same server, same settings, minutes apart — so the ledger's throughput can be read as a
/// ratio to what PostgreSQL does with no ledger around it. Absolute numbers move ±30 % with the machine's load; the
/// ratio of two runs made back to back moves much less.
/// </summary>
internal static partial class PgBenchBaseline
{
    public const string DatabaseName = "ledgerx_baseline";
    private const string ResourcePrefix = "Baseline/";
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(2);

    /// <summary>pgbench's own bound above the run's duration: connecting 64 clients and the closing report.</summary>
    private static readonly TimeSpan RunSlack = TimeSpan.FromMinutes(1);

    /// <summary>The version devenv.sh starts, then whatever else Debian installed (newest first), like devenv finds initdb.</summary>
    public static string? FindPgBench(Func<string, bool> exists, IEnumerable<string> installedBinDirectories)
    {
        var preferred = "/usr/lib/postgresql/15/bin/pgbench";
        if (exists(preferred))
        {
            return preferred;
        }
        return installedBinDirectories.OrderByDescending(VersionOf).Select(dir => Path.Combine(dir, "pgbench")).FirstOrDefault(exists);
    }

    public static string? FindPgBench() => FindPgBench(File.Exists,
        Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(dir => Path.Combine(dir, "bin")) : []);

    /// <summary>pgbench's "tps = 4898.123 (without initial connection time)"; null when the run printed none.</summary>
    public static double? ParseTransfersPerSecond(string output) =>
        TpsPattern().Match(output) is { Success: true } match ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>The script a mode runs, as shipped inside the tool.</summary>
    public static string Script(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + name)
                           ?? throw new InvalidOperationException($"The baseline script {name} is not embedded in the tool.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static string ScriptName(BenchMode mode) => mode == BenchMode.Hot ? "hot.sql" : "uniform.sql";

    /// <summary>Creates the baseline's database, runs pgbench for every (mode, clients) in the bench's order, and drops
    /// the database again, so the ledger's runs that follow find the server as the bench left it.</summary>
    public static async Task<IReadOnlyList<BaselineRun>> RunAsync(IAnsiConsole console, string pgbench, string psql, string host, string port,
        BenchSettings settings, string workDirectory, CancellationToken ct, string databaseName = DatabaseName)
    {
        var directory = Directory.CreateDirectory(Path.Combine(workDirectory, "baseline")).FullName;
        foreach (var name in new[] { "schema.sql", "uniform.sql", "hot.sql" })
        {
            await File.WriteAllTextAsync(Path.Combine(directory, name), Script(name), ct);
        }
        string[] server = ["-h", host, "-p", port, "-U", "postgres"];
        var accounts = settings.Accounts.ToString(CultureInfo.InvariantCulture);
        await PsqlAsync(psql, [.. server, "-d", "postgres", "-c", $"CREATE DATABASE {databaseName}"], ct);
        try
        {
            await PsqlAsync(psql, [.. server, "-d", databaseName, "-v", $"accounts={accounts}", "-f", Path.Combine(directory, "schema.sql")], ct);
            var runs = new List<BaselineRun>();
            foreach (var mode in settings.Modes)
            {
                foreach (var clients in settings.Clients)
                {
                    var title = $"raw SQL (pgbench) {Workload.Name(mode)} × {clients} clients, {settings.Duration.TotalSeconds:0} s";
                    console.MarkupLine($"[bold]{Markup.Escape(title)}[/]…");
                    var seconds = Math.Max(1, (int)Math.Round(settings.Duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                    var result = await ProcessRunner.RunAsync(pgbench,
                        [.. server, "-d", databaseName, "-n", "-f", Path.Combine(directory, ScriptName(mode)), "-D", $"accounts={accounts}",
                            "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(2, clients).ToString(CultureInfo.InvariantCulture), "-T", seconds],
                        settings.Duration + RunSlack, ct);
                    var tps = ParseTransfersPerSecond(result.StandardOutput);
                    if (result.ExitCode != 0 || tps is null)
                    {
                        throw new BenchSetupException($"pgbench {Workload.Name(mode)} × {clients} failed (exit {result.ExitCode}): " +
                                                      $"{result.StandardError.Trim()} {result.StandardOutput.Trim()}".Trim());
                    }
                    console.MarkupLine($"  → [bold]{tps:N0} transfers/s[/] raw SQL");
                    runs.Add(new BaselineRun(mode, clients, tps.Value));
                }
            }
            return runs;
        }
        finally
        {
            await PsqlAsync(psql, [.. server, "-d", "postgres", "-c", $"DROP DATABASE IF EXISTS {databaseName}"], CancellationToken.None, throwOnError: false);
        }
    }

    private static async Task PsqlAsync(string psql, string[] arguments, CancellationToken ct, bool throwOnError = true)
    {
        var result = await ProcessRunner.RunAsync(psql, ["-q", "-v", "ON_ERROR_STOP=1", .. arguments], SetupTimeout, ct);
        if (result.ExitCode != 0 && throwOnError)
        {
            throw new BenchSetupException($"psql {string.Join(' ', arguments.TakeLast(2))} failed: {result.StandardError.Trim()}");
        }
    }

    /// <summary>The major version in /usr/lib/postgresql/MAJOR/bin; 0 when the path says none.</summary>
    private static int VersionOf(string binDirectory) =>
        int.TryParse(Path.GetFileName(Path.GetDirectoryName(binDirectory.TrimEnd('/'))), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0;

    [GeneratedRegex(@"(?m)^tps = ([0-9]+(?:\.[0-9]+)?)")]
    private static partial Regex TpsPattern();
}

/// <summary>One ledger run beside the raw-SQL run of the same mode, clients and duration: ledger ÷ raw SQL.</summary>
internal sealed record BaselineComparison(BenchMode Mode, int Clients, double LedgerPerSecond, double RawSqlPerSecond)
{
    public double Ratio => RawSqlPerSecond > 0 ? LedgerPerSecond / RawSqlPerSecond : 0;

    /// <summary>Pairs the i-th ledger run with the i-th baseline run: both follow the bench's one order of (mode, clients),
    /// so a list that names a client count twice is paired pass by pass.</summary>
    public static IReadOnlyList<BaselineComparison> Pair(IReadOnlyList<RunResult> ledger, IReadOnlyList<BaselineRun> baseline)
    {
        var pairs = new List<BaselineComparison>();
        for (var i = 0; i < Math.Min(ledger.Count, baseline.Count); i++)
        {
            if (ledger[i].Mode != baseline[i].Mode || ledger[i].Clients != baseline[i].Clients)
            {
                throw new InvalidOperationException($"Run {i} is {ledger[i].Mode} × {ledger[i].Clients} but its baseline is {baseline[i].Mode} × {baseline[i].Clients}.");
            }
            pairs.Add(new BaselineComparison(ledger[i].Mode, ledger[i].Clients, ledger[i].AppliedPerSecond, baseline[i].TransfersPerSecond));
        }
        return pairs;
    }
}
