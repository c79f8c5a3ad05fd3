using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Load;

/// <summary>k6's metric types: what aggregations a threshold on the metric may use.</summary>
internal enum MetricType
{
    Counter,
    Trend,
    Rate,
}

/// <summary>The metrics a run emits, under k6's names.</summary>
internal static class MetricNames
{
    public const string HttpReqs = "http_reqs";
    public const string HttpReqDuration = "http_req_duration";
    public const string HttpReqFailed = "http_req_failed";
    public const string Checks = "checks";
    public const string Iterations = "iterations";
    public const string IterationDuration = "iteration_duration";
    public const string DroppedIterations = "dropped_iterations";

    public static readonly IReadOnlyDictionary<string, MetricType> Types = new Dictionary<string, MetricType>(StringComparer.Ordinal)
    {
        [HttpReqs] = MetricType.Counter,
        [HttpReqDuration] = MetricType.Trend,
        [HttpReqFailed] = MetricType.Rate,
        [Checks] = MetricType.Rate,
        [Iterations] = MetricType.Counter,
        [IterationDuration] = MetricType.Trend,
        [DroppedIterations] = MetricType.Counter,
    };
}

/// <summary>One threshold expression on one (sub)metric: <c>http_req_duration{scenario:transfers}</c> and
/// <c>p(95)&lt;100</c>. Trend values are milliseconds, as in k6.</summary>
internal sealed record ThresholdSpec(string Metric, IReadOnlyDictionary<string, string> Tags, string Source, string Expression,
    string Aggregation, double Percentile, string Operator, double Limit, bool AbortOnFail, TimeSpan DelayAbortEval)
{
    /// <summary>The metric as written in the file, tags included: the key of the summary.</summary>
    public string MetricKey => Source;

    public bool Passes(double value) => Operator switch
    {
        "<" => value < Limit,
        "<=" => value <= Limit,
        ">" => value > Limit,
        ">=" => value >= Limit,
        "==" or "===" => value == Limit,
        "!=" => value != Limit,
        _ => throw new InvalidOperationException($"Unknown operator {Operator}."),
    };
}

/// <summary>Parses k6's threshold syntax, refusing aggregations the metric's type has not (k6 does too).</summary>
internal static partial class ThresholdParser
{
    /// <summary>Tags a threshold may filter on besides the scenarios' own tags.</summary>
    public static readonly IReadOnlySet<string> BuiltInTags = new HashSet<string>(StringComparer.Ordinal)
    {
        "scenario", "name", "method", "status", "expected_response", "check",
    };

    public static List<ThresholdSpec> ParseAll(JsonObject thresholds, string file, IReadOnlyList<ScenarioSpec> scenarios)
    {
        var result = new List<ThresholdSpec>();
        foreach (var (metric, value) in thresholds)
        {
            var at = $"thresholds.{metric}";
            if (value is not JsonArray list)
            {
                throw LoadScriptParser.Error(file, at, "must be an array of expressions, e.g. [\"p(95)<100\"]");
            }
            foreach (var item in list)
            {
                switch (item)
                {
                    case JsonValue text when text.TryGetValue<string>(out var expression):
                        result.Add(Parse(metric, expression, false, TimeSpan.Zero, file, scenarios));
                        break;
                    case JsonObject o when o["threshold"] is JsonValue t && t.TryGetValue<string>(out var expression):
                        var delay = TimeSpan.Zero;
                        if (o["delayAbortEval"] is { } d && !DurationParser.TryParse(d.ToString(), out delay, out var error))
                        {
                            throw LoadScriptParser.Error(file, $"{at}.delayAbortEval", error!);
                        }
                        result.Add(Parse(metric, expression, o["abortOnFail"]?.GetValue<bool>() ?? false, delay, file, scenarios));
                        break;
                    default:
                        throw LoadScriptParser.Error(file, at, "items are strings or {\"threshold\": \"...\", \"abortOnFail\": true, \"delayAbortEval\": \"10s\"}");
                }
            }
        }
        return result;
    }

    public static ThresholdSpec Parse(string metricSource, string expression, bool abortOnFail, TimeSpan delay, string file, IReadOnlyList<ScenarioSpec> scenarios)
    {
        var at = $"thresholds.{metricSource}";
        var metric = MetricPattern().Match(metricSource);
        if (!metric.Success)
        {
            throw LoadScriptParser.Error(file, at, "is not a metric name with optional {tag:value,...}");
        }
        var name = metric.Groups["name"].Value;
        if (!MetricNames.Types.TryGetValue(name, out var type))
        {
            throw LoadScriptParser.Error(file, at, $"names an unknown metric '{name}' (known: {string.Join(", ", MetricNames.Types.Keys)})");
        }
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metric.Groups["tags"].Success)
        {
            foreach (var pair in metric.Groups["tags"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw LoadScriptParser.Error(file, at, $"tag '{pair}' is not tag:value");
                }
                var key = pair[..colon].Trim();
                if (!BuiltInTags.Contains(key) && !scenarios.Any(s => s.Tags.ContainsKey(key)))
                {
                    throw LoadScriptParser.Error(file, at, $"tag '{key}' is set by nothing (built in: {string.Join(", ", BuiltInTags)}; or a scenario's tags)");
                }
                tags[key] = pair[(colon + 1)..].Trim();
            }
        }
        if (tags.TryGetValue("scenario", out var scenario) && scenarios.All(s => s.Name != scenario))
        {
            throw LoadScriptParser.Error(file, at, $"names no scenario: '{scenario}'");
        }
        var parsed = ExpressionPattern().Match(expression);
        if (!parsed.Success)
        {
            throw LoadScriptParser.Error(file, at, $"'{expression}' is not AGGREGATION OPERATOR NUMBER, e.g. p(95)<100, rate<0.001, count>0");
        }
        var aggregation = parsed.Groups["agg"].Value;
        var percentile = parsed.Groups["p"].Success ? double.Parse(parsed.Groups["p"].Value, CultureInfo.InvariantCulture) : 0;
        var allowed = type switch
        {
            MetricType.Trend => aggregation is "avg" or "min" or "max" or "med" or "p",
            MetricType.Rate => aggregation == "rate",
            MetricType.Counter => aggregation is "count" or "rate",
            _ => false,
        };
        if (!allowed || (aggregation == "p" && percentile is <= 0 or > 100))
        {
            var accepted = type switch
            {
                MetricType.Trend => "avg, min, max, med, p(N) with 0 < N <= 100",
                MetricType.Rate => "rate",
                _ => "count, rate",
            };
            throw LoadScriptParser.Error(file, at, $"'{expression}': {name} is a {type.ToString().ToLowerInvariant()} metric; its thresholds use {accepted}");
        }
        return new ThresholdSpec(name, tags, metricSource, expression.Trim(), aggregation, percentile, parsed.Groups["op"].Value,
            double.Parse(parsed.Groups["limit"].Value, CultureInfo.InvariantCulture), abortOnFail, delay);
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<tags>[^}]*)\})?$", RegexOptions.CultureInvariant)]
    private static partial Regex MetricPattern();

    [GeneratedRegex(@"^\s*(?<agg>avg|min|max|med|count|rate|p(?=\())(\((?<p>\d+(\.\d+)?)\))?\s*(?<op><=|>=|===|==|!=|<|>)\s*(?<limit>-?\d+(\.\d+)?)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ExpressionPattern();
}
