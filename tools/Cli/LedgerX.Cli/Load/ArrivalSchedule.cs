namespace LedgerX.Cli.Load;

/// <summary>
/// The pure arithmetic of the executors: how many iterations an arrival-rate scenario has started by a moment (the
/// integral of its rate, linear between stages as k6 ramps), and how many VUs a ramping-vus scenario wants. The
/// scheduler starts <c>floor(due) - started</c> iterations whenever it wakes, so the count never drifts from the
/// schedule however late a wake-up comes.
/// </summary>
internal static class ArrivalSchedule
{
    /// <summary>Iterations due in <c>[0, elapsed)</c> of an arrival-rate scenario.</summary>
    public static double IterationsDue(ScenarioSpec spec, TimeSpan elapsed)
    {
        var perSecond = 1 / spec.TimeUnit.TotalSeconds;
        var t = Math.Max(0, elapsed.TotalSeconds);
        if (spec.Executor == ExecutorKind.ConstantArrivalRate)
        {
            return spec.Rate * perSecond * Math.Min(t, spec.Duration.TotalSeconds);
        }
        var due = 0.0;
        var from = spec.StartRate;
        foreach (var stage in spec.Stages)
        {
            var length = stage.Duration.TotalSeconds;
            if (length <= 0)
            {
                from = stage.Target;
                continue;
            }
            var within = Math.Min(t, length);
            // Area under the line from `from` to `stage.Target` over [0, within].
            var rateAtWithin = from + (stage.Target - from) * within / length;
            due += (from + rateAtWithin) / 2 * within * perSecond;
            t -= within;
            from = stage.Target;
            if (t <= 0)
            {
                break;
            }
        }
        return due;
    }

    /// <summary>The VUs a ramping-vus scenario wants at <paramref name="elapsed"/> (rounded down, as k6 ramps).</summary>
    public static int VusAt(ScenarioSpec spec, TimeSpan elapsed)
    {
        if (spec.Executor == ExecutorKind.ConstantVus)
        {
            return spec.Vus;
        }
        var t = Math.Max(0, elapsed.TotalSeconds);
        double from = spec.StartVus;
        foreach (var stage in spec.Stages)
        {
            var length = stage.Duration.TotalSeconds;
            if (t < length)
            {
                return (int)Math.Floor(from + (stage.Target - from) * t / length);
            }
            t -= length;
            from = stage.Target;
        }
        return (int)from;
    }
}
