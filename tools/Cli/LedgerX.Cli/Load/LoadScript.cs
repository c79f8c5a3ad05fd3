using System.Text.Json;
using System.Text.Json.Nodes;

namespace LedgerX.Cli.Load;

/// <summary>A scenario file (load/*.json, docs/load.md): k6's <c>options.scenarios</c> and <c>options.thresholds</c>,
/// plus the request mixes the scenarios' <c>exec</c> names (the part a k6 script would write in JavaScript) and the
/// user pool it needs.</summary>
internal sealed record LoadScript(
    string Description,
    IReadOnlyList<ScenarioSpec> Scenarios,
    IReadOnlyDictionary<string, IReadOnlyList<RequestSpec>> Mixes,
    IReadOnlyList<ThresholdSpec> Thresholds,
    UserPoolSpec Users)
{
    /// <summary>The scenario set with every arrival rate scaled to <paramref name="rate"/> (per second), for the
    /// capacity search: each scenario keeps its share of the total.</summary>
    public LoadScript WithTotalRate(double rate, TimeSpan duration)
    {
        var total = Scenarios.Sum(s => s.PeakRatePerSecond);
        return this with
        {
            Scenarios = [.. Scenarios.Select(s => s.AsConstantRate(total > 0 ? rate * s.PeakRatePerSecond / total : rate / Scenarios.Count, duration))],
        };
    }
}

internal enum ExecutorKind
{
    ConstantArrivalRate,
    RampingArrivalRate,
    ConstantVus,
    RampingVus,
}

internal sealed record Stage(TimeSpan Duration, double Target);

/// <summary>One k6 scenario. Rates are per <see cref="TimeUnit"/>, as in k6.</summary>
internal sealed record ScenarioSpec(
    string Name,
    ExecutorKind Executor,
    string Exec,
    TimeSpan StartTime,
    TimeSpan GracefulStop,
    IReadOnlyDictionary<string, string> Tags,
    double Rate,
    TimeSpan TimeUnit,
    TimeSpan Duration,
    int PreAllocatedVus,
    int MaxVus,
    double StartRate,
    int Vus,
    int StartVus,
    IReadOnlyList<Stage> Stages)
{
    public bool IsOpenLoop => Executor is ExecutorKind.ConstantArrivalRate or ExecutorKind.RampingArrivalRate;

    /// <summary>How long the executor schedules work (without startTime and gracefulStop).</summary>
    public TimeSpan ActiveDuration => Executor is ExecutorKind.ConstantArrivalRate or ExecutorKind.ConstantVus
        ? Duration
        : Stages.Aggregate(TimeSpan.Zero, (sum, stage) => sum + stage.Duration);

    public double PeakRatePerSecond => Executor switch
    {
        ExecutorKind.ConstantArrivalRate => Rate / TimeUnit.TotalSeconds,
        ExecutorKind.RampingArrivalRate => Stages.Select(s => s.Target).Append(StartRate).Max() / TimeUnit.TotalSeconds,
        _ => 0,
    };

    public ScenarioSpec AsConstantRate(double perSecond, TimeSpan duration) => this with
    {
        Executor = ExecutorKind.ConstantArrivalRate,
        Rate = perSecond,
        TimeUnit = TimeSpan.FromSeconds(1),
        Duration = duration,
        StartTime = TimeSpan.Zero,
        // Enough VUs for the rate at a second per request: drops then mean the system, not the pool, fell behind.
        PreAllocatedVus = Math.Max(PreAllocatedVus, (int)Math.Ceiling(perSecond / 10)),
        MaxVus = Math.Max(MaxVus, (int)Math.Ceiling(perSecond)),
    };
}

/// <summary>Who a request is made as: the VU's own customer, the pool's analyst or teller, or nobody.</summary>
internal enum Caller
{
    Customer,
    Analyst,
    Teller,
    Anonymous,
}

/// <summary>One request kind of a mix. Strings are templates (<see cref="Template"/>).</summary>
internal sealed record RequestSpec(
    string Name,
    double Weight,
    HttpMethod Method,
    Template Path,
    Template? JsonBody,
    IReadOnlyList<KeyValuePair<string, Template>> Form,
    IReadOnlyList<KeyValuePair<string, Template>> Headers,
    Caller As,
    IReadOnlySet<int>? ExpectedStatuses,
    string? BodyCheck,
    IReadOnlyList<KeyValuePair<string, string>> Capture,
    IReadOnlyList<string> Requires,
    IReadOnlyList<string> Consumes,
    string? Acknowledge)
{
    /// <summary>k6's default: a response is expected (not an http_req_failed) when its status is 200–399.</summary>
    public bool IsExpected(int status) => ExpectedStatuses?.Contains(status) ?? status is >= 200 and < 400;

    public bool NeedsBody => BodyCheck is not null || Capture.Count > 0 || Acknowledge is not null;
}

internal sealed record UserPoolSpec(int Customers, long FundEach, string Currency, bool Analyst)
{
    public static readonly UserPoolSpec Default = new(0, 0, "EUR", false);
}

/// <summary>A scenario file was refused; the message names the file, the place and what is accepted.</summary>
internal sealed class LoadScriptException(string message) : Exception(message);
