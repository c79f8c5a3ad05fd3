using System.Diagnostics;
using LedgerX.Cli.Chaos.Faults;
using LedgerX.Cli.Chaos.Invariants;
using LedgerX.Cli.Chaos.Load;

namespace LedgerX.Cli.Chaos;

/// <summary>What one scenario did and found.</summary>
internal sealed record ScenarioResult(
    string Scenario, string Fault, IReadOnlyList<string> Down, double? RecoveryMs, IReadOnlyList<RouteAvailability> Availability,
    IReadOnlyList<string> AvailabilityViolations, IReadOnlyList<InvariantVerdict> Invariants, string? Error)
{
    public bool Passed => Error is null && AvailabilityViolations.Count == 0 && Invariants.All(i => i.Holds);

    /// <summary>Routes left out of the verdicts because they did not answer 2xx throughout the steady phase, each with
    /// what they answered there: a route listed here says nothing about the fault, and the report says so.</summary>
    public IReadOnlyList<string> LeftOut { get; init; } = [];
}

/// <summary>How long the phases of a scenario last; the defaults suit a loaded 2-core machine.</summary>
internal sealed record ChaosTimings(TimeSpan Steady, TimeSpan RecoveryDeadline, TimeSpan AfterRecovery, TimeSpan Settle)
{
    public static readonly ChaosTimings Default = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(90));
}

/// <summary>
/// Runs scenarios one after the other against one <see cref="ChaosSystem"/> under <see cref="ChaosLoad"/>: steady load,
/// the fault, recovery (every app ready again and every route answering), a little more load, then the load stops, the
/// transfers whose outcome the client never learnt are retried with their Idempotency-Key (as a client would), and the
/// <see cref="InvariantCheck"/> runs. Availability is measured over the window from the fault to recovery.
/// </summary>
internal sealed class ChaosRunner(ChaosSystem system, ChaosLoad load, ChaosTimings timings, TextWriter progress)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan SteadyExtension = TimeSpan.FromSeconds(30);
    private const int SettleRetries = 5;
    private static readonly TimeSpan SettlePause = TimeSpan.FromSeconds(1);

    public async Task<ScenarioResult> RunAsync(ChaosFault fault, CancellationToken ct)
    {
        progress.WriteLine($"chaos: {fault.Name}: {fault.Description}");
        load.Start();
        double steadyFrom = load.NowMs;
        await Task.Delay(timings.Steady, ct);
        var steady = await SteadyWindowAsync(steadyFrom, ct);
        var usable = UsableRoutes(steady);
        double faultAt = load.NowMs;
        string? error = null;
        double? recoveredAt = null;
        try
        {
            await fault.InjectAsync(system, ct);
            recoveredAt = await WaitForRecoveryAsync(faultAt, usable, ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TimeoutException)
        {
            error = $"{ex.GetType().Name}: {ex.Message}";
        }

        await Task.Delay(timings.AfterRecovery, ct);
        await load.StopAsync();
        // The window runs on past recovery: the request that proved a route back may have been sent before a few
        // quick 503s of the breaker's last open moment, and a route is judged recovered by what follows its last failure.
        var window = load.SamplesBetween(faultAt, load.NowMs + 1);
        var availability = Availability.Measure(window, faultAt, fault.Down, usable);
        var violations = Availability.Violations(availability, fault.Down.Count > 0).ToList();
        if (recoveredAt is null && error is null)
        {
            violations.Add($"no recovery within {timings.RecoveryDeadline.TotalSeconds:F0}s");
        }

        await SettleUnknownTransfersAsync(ct);
        await SettleUnknownReversalsAsync(ct);
        var invariants = await new InvariantCheck(Sources(), load.Transfers, load.Accounts, timings.Settle, load.Reversals).RunAsync(ct);
        var result = new ScenarioResult(fault.Name, fault.Description, fault.Down, recoveredAt - faultAt, availability, violations, invariants, error)
        {
            LeftOut = LeftOut(steady, usable),
        };
        progress.WriteLine($"chaos: {fault.Name}: {(result.Passed ? "passed" : "FAILED")}");
        // Why, at once: a full run takes long on a loaded machine, and whoever watches it should not wait for the end.
        foreach (var reason in FailureReasons(result))
        {
            progress.WriteLine($"chaos: {fault.Name}:   {reason}");
        }

        return result;
    }

    public InvariantSources Sources() => new(
        system.ConnectionString(ChaosSystem.LedgerDatabaseSecret),
        system.ConnectionString(ChaosSystem.FraudDatabaseSecret),
        system.ConnectionString(ChaosSystem.AnalyticsDatabaseSecret),
        system.ConnectionString(ChaosSystem.NotificationsDatabaseSecret),
        load.Http,
        system.Gateway);

    /// <summary>The steady phase's samples once every read route has been answered at least once in it (a short steady
    /// phase on a loaded machine could otherwise end before a slow route's first answer, and that route would say nothing
    /// about the fault), waiting at most <see cref="SteadyExtension"/> beyond <see cref="ChaosTimings.Steady"/>.</summary>
    private async Task<IReadOnlyList<RequestSample>> SteadyWindowAsync(double steadyFrom, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + SteadyExtension;
        while (true)
        {
            var steady = load.SamplesBetween(steadyFrom, load.NowMs);
            var answered = steady.Select(s => s.Route).ToHashSet(StringComparer.Ordinal);
            if (RouteDependencies.Reads.All(r => answered.Contains(r.Name)) || DateTime.UtcNow >= deadline)
            {
                return steady;
            }

            await Task.Delay(Poll, ct);
        }
    }

    /// <summary>Routes that answered 2xx throughout the steady phase: only those can say anything about a fault (a route the
    /// load's caller may not use answers 403 with or without the fault).</summary>
    internal static IEnumerable<string> FailureReasons(ScenarioResult result) =>
    [
        .. result.Error is null ? [] : new[] { "error: " + result.Error },
        .. result.AvailabilityViolations.Select(v => "availability: " + v),
        .. result.Invariants.Where(i => !i.Holds).Select(i => $"broken: {i.Invariant}: {i.Found}"),
    ];

    internal static HashSet<string> UsableRoutes(IReadOnlyList<RequestSample> steady) =>
        steady.GroupBy(s => s.Route).Where(g => g.All(s => s.Succeeded)).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);

    internal static List<string> LeftOut(IReadOnlyList<RequestSample> steady, IReadOnlySet<string> usable) =>
    [
        .. steady.Where(s => !usable.Contains(s.Route)).GroupBy(s => s.Route).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} ({string.Join(", ", g.GroupBy(s => s.Status).OrderBy(s => s.Key).Select(s => $"{s.Count()}× {(s.Key == 0 ? "no answer" : s.Key.ToString(global::System.Globalization.CultureInfo.InvariantCulture))}"))})"),
    ];

    /// <summary>Recovered: every app ready, and every usable route answered 2xx after the fault was lifted.</summary>
    private async Task<double?> WaitForRecoveryAsync(double faultAt, IReadOnlySet<string> usable, CancellationToken ct)
    {
        double liftedAt = load.NowMs;
        var deadline = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (deadline.Elapsed < timings.RecoveryDeadline)
        {
            bool appsReady = true;
            foreach (var app in system.RunFile.Apps)
            {
                appsReady &= await ReadyProbe.IsReadyAsync(http, system.AppUrl(app.AppId), ct);
            }

            var answered = load.SamplesBetween(liftedAt, load.NowMs).Where(s => s.Succeeded).Select(s => s.Route).ToHashSet(StringComparer.Ordinal);
            if (appsReady && usable.All(answered.Contains))
            {
                return load.NowMs;
            }

            await Task.Delay(Poll, ct);
        }

        return null;
    }

    /// <summary>A reversal request that got no answer, or a 5xx, is sent again with the same key, as for transfers.</summary>
    private async Task SettleUnknownReversalsAsync(CancellationToken ct)
    {
        foreach (var attempt in load.Reversals.Where(r => r.OutcomeUnknown).ToList())
        {
            for (int retry = 0; retry < SettleRetries && attempt.OutcomeUnknown; retry++)
            {
                if (retry > 0)
                {
                    await Task.Delay(SettlePause, ct);
                }

                await load.SendReversalAsync(attempt, ct);
            }
        }
    }

    /// <summary>A transfer that got no answer, or a 5xx, is sent again with the same key until the ledger says what became of it.</summary>
    private async Task SettleUnknownTransfersAsync(CancellationToken ct)
    {
        foreach (var attempt in load.Transfers.Where(t => t.EntryId is null && (t.LastStatus == 0 || t.LastStatus >= 500)).ToList())
        {
            for (int retry = 0; retry < SettleRetries && attempt.EntryId is null && (attempt.LastStatus == 0 || attempt.LastStatus >= 500); retry++)
            {
                if (retry > 0)
                {
                    await Task.Delay(SettlePause, ct);
                }

                await load.SendTransferAsync(attempt, ct);
            }
        }
    }
}
