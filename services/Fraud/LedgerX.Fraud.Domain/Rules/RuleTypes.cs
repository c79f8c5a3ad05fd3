using System.Globalization;
using LedgerX.Fraud.Domain.Profiles;

namespace LedgerX.Fraud.Domain.Rules;

internal static class Text
{
    public static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>An outflow far above the account's usual outflows, in standard deviations (z-score). The deviation has a
/// floor (a share of the mean), so an account that always pays the same rent is not infinitely surprised by a cent.</summary>
internal sealed class AmountDeviationRule(RuleDefinition d) : RiskRule(d)
{
    public override RuleSignal? Evaluate(RiskProfile before, Movement movement)
    {
        var stats = before.Outflows;
        if (!movement.IsOutflow || stats.Count < Parameter("minHistory"))
        {
            return null;
        }
        var deviation = Math.Max(stats.StandardDeviation, stats.Mean * Parameter("minStdDevRatio"));
        if (deviation <= 0)
        {
            return null;
        }
        var z = (movement.Amount - stats.Mean) / deviation;
        var threshold = Parameter("zScore");
        if (z < threshold)
        {
            return null;
        }
        var strength = Math.Min(1, (z - threshold) / (Parameter("fullZScore") - threshold));
        return new RuleSignal(Math.Max(strength, 0.5), Text.F($"amount {movement.Amount} is {z:0.0} standard deviations above this account's usual outflow (mean {stats.Mean:0}, {stats.Count} outflows)"));
    }
}

/// <summary>More outflows within a short window than the account makes.</summary>
internal sealed class VelocityBurstRule(RuleDefinition d) : RiskRule(d)
{
    public override RuleSignal? Evaluate(RiskProfile before, Movement movement)
    {
        if (!movement.IsOutflow)
        {
            return null;
        }
        var window = TimeSpan.FromSeconds(Parameter("windowSeconds"));
        var count = 1 + before.Recent.Count(r => r.Direction == MovementDirection.Outflow && r.OccurredAt > movement.OccurredAt - window);
        var max = (int)Parameter("maxCount");
        if (count <= max)
        {
            return null;
        }
        var strength = Math.Min(1, (double)(count - max) / max);
        return new RuleSignal(Math.Max(strength, 0.5), Text.F($"{count} outflows within {window.TotalSeconds:0} s (more than {max})"));
    }
}

/// <summary>Money sent to an account this one has never dealt with, once the account has a history to compare with.</summary>
internal sealed class NewCounterpartyRule(RuleDefinition d) : RiskRule(d)
{
    public override RuleSignal? Evaluate(RiskProfile before, Movement movement) =>
        movement.IsOutflow && movement.Counterparty is { } other && before.MovementCount >= Parameter("minHistory") && !before.Knows(other)
            ? RuleSignal.Full(Text.F($"first payment to counterparty {other}"))
            : null;
}

/// <summary>A large, suspiciously round outflow (fraudsters and mules move round sums; salaries and bills rarely are).</summary>
internal sealed class RoundAmountRule(RuleDefinition d) : RiskRule(d)
{
    public override RuleSignal? Evaluate(RiskProfile before, Movement movement)
    {
        var multiple = (long)Parameter("multiple");
        return movement.IsOutflow && movement.Amount >= Parameter("minAmount") && movement.Amount % multiple == 0
            ? RuleSignal.Full(Text.F($"round amount {movement.Amount} (a multiple of {multiple})"))
            : null;
    }
}

/// <summary>Money that came in recently is leaving almost as fast: outflows since the first recent deposit reach a
/// share of what came in. The classic mule and account-takeover pattern.</summary>
internal sealed class DrainAfterDepositRule(RuleDefinition d) : RiskRule(d)
{
    public override RuleSignal? Evaluate(RiskProfile before, Movement movement)
    {
        if (!movement.IsOutflow)
        {
            return null;
        }
        var since = movement.OccurredAt - TimeSpan.FromSeconds(Parameter("windowSeconds"));
        var inflows = before.Recent.Where(r => r.Direction == MovementDirection.Inflow && r.OccurredAt >= since).ToList();
        var deposited = inflows.Sum(r => r.Amount);
        if (inflows.Count == 0 || deposited < Parameter("minDepositAmount"))
        {
            return null;
        }
        var first = inflows.Min(r => r.OccurredAt);
        var drained = movement.Amount + before.Recent.Where(r => r.Direction == MovementDirection.Outflow && r.OccurredAt >= first).Sum(r => r.Amount);
        var ratio = (double)drained / deposited;
        return ratio >= Parameter("drainRatio")
            ? RuleSignal.Full(Text.F($"{ratio:P0} of the {deposited} deposited since {first:u} has left again"))
            : null;
    }
}

/// <summary>An outflow at an hour (UTC, with its neighbours) when the account is almost never active.</summary>
internal sealed class UnusualHourRule(RuleDefinition d) : RiskRule(d)
{
    public override RuleSignal? Evaluate(RiskProfile before, Movement movement)
    {
        var total = before.HourCounts.Sum();
        if (!movement.IsOutflow || total < Parameter("minHistory"))
        {
            return null;
        }
        var hour = movement.OccurredAt.UtcDateTime.Hour;
        var near = before.HourCounts[(hour + 23) % 24] + before.HourCounts[hour] + before.HourCounts[(hour + 1) % 24];
        var share = (double)near / total;
        return share <= Parameter("maxShare")
            ? RuleSignal.Full(Text.F($"activity at {hour:00}:00 UTC, when the account made {share:P0} of its {total} movements"))
            : null;
    }
}

/// <summary>An outflow at or above a fixed amount, whatever the account's history.</summary>
internal sealed class LargeAmountRule(RuleDefinition d) : RiskRule(d)
{
    public override RuleSignal? Evaluate(RiskProfile before, Movement movement) =>
        movement.IsOutflow && movement.Amount >= Parameter("threshold")
            ? RuleSignal.Full(Text.F($"amount {movement.Amount} is at or above {Parameter("threshold"):0}"))
            : null;
}
