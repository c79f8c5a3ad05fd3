using LedgerX.Cli.Chaos.Faults;
using LedgerX.Cli.Chaos.Load;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Chaos;

/// <summary>A whole chaos run: its own system, the load's caller and accounts, the scenarios one after the other.</summary>
internal static class ChaosSession
{
    /// <param name="afterEach">Called with the report so far after every scenario (the verb rewrites its report files, so
    /// a run stopped part-way keeps what it found).</param>
    public static async Task<ChaosReport> RunAsync(string repositoryRoot, IReadOnlyList<ChaosFault> faults, ChaosLoadSettings loadSettings, ChaosTimings timings,
        TextWriter progress, CancellationToken ct, Func<ChaosReport, Task>? afterEach = null)
    {
        var startedAt = DateTimeOffset.UtcNow;
        double? loadAverage = MachineLoad.OneMinute();
        await using var system = await ChaosSystem.StartAsync(repositoryRoot, progress, ct);
        await using var load = await ChaosLoad.PrepareAsync(await system.MachineClientAsync(ChaosLoad.RequestTimeout, ct), loadSettings, ct);
        var runner = new ChaosRunner(system, load, timings, progress);
        var results = new List<ScenarioResult>();
        foreach (var fault in faults)
        {
            results.Add(await runner.RunAsync(fault, ct));
            if (afterEach is not null)
            {
                await afterEach(new ChaosReport(startedAt, loadAverage, [.. results]));
            }
        }

        return new ChaosReport(startedAt, loadAverage, results);
    }

    /// <summary>The checkout the tool runs from: the folder above its build output that holds dapr.yaml and tools/devenv.</summary>
    public static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            // Bounded walk: bin/Release/net10.0 under tools/Cli/LedgerX.Cli is far less than 16 levels deep.
            var directory = new DirectoryInfo(start);
            for (var depth = 0; directory is not null && depth < 16; depth++, directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "dapr.yaml")) && File.Exists(Path.Combine(directory.FullName, "tools", "devenv", "devenv.sh")))
                {
                    return directory.FullName;
                }
            }
        }

        return null;
    }
}
