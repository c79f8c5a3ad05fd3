using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Load;

/// <summary>
/// Reads a scenario file into a <see cref="LoadScript"/>, refusing anything it does not understand with the file, the
/// JSON path and what is accepted: a typo in a load test must fail before the first request, never run a different
/// test. Defaults are k6's (timeUnit 1s, gracefulStop 30s, startTime 0s).
/// </summary>
internal static partial class LoadScriptParser
{
    public const int MaxVusLimit = 20_000;
    public const double MaxRatePerSecond = 100_000;
    public const int MaxCustomers = 10_000;

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private static readonly JsonSerializerOptions BodyJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly HashSet<string> TopLevel = ["description", "scenarios", "mixes", "thresholds", "users"];

    public static LoadScript Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new LoadScriptException($"{path}: no such file");
        }
        return Parse(File.ReadAllText(path), path);
    }

    public static LoadScript Parse(string text, string file)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new LoadScriptException($"{file}: not valid JSON: {ex.Message}");
        }
        if (root is not JsonObject top)
        {
            throw new LoadScriptException($"{file}: the top level must be an object with scenarios, mixes and thresholds");
        }
        Unknown(top, TopLevel, file);
        var mixes = Mixes(Object(top, "mixes", file, required: true)!, file);
        var scenarios = Object(top, "scenarios", file, required: true)!
            .Select(s => Scenario(s.Key, s.Value as JsonObject ?? throw Error(file, $"scenarios.{s.Key}", "must be an object"), file, mixes))
            .ToList();
        if (scenarios.Count == 0)
        {
            throw Error(file, "scenarios", "needs at least one scenario");
        }
        var thresholds = Object(top, "thresholds", file, required: false) is { } t ? ThresholdParser.ParseAll(t, file, scenarios) : [];
        return new LoadScript(top["description"]?.GetValue<string>() ?? "", scenarios, mixes, thresholds, Users(Object(top, "users", file, required: false), file));
    }

    private static readonly HashSet<string> ScenarioKeys =
    [
        "executor", "exec", "startTime", "gracefulStop", "tags", "rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs", "startRate",
        "stages", "vus", "startVUs",
    ];

    private static ScenarioSpec Scenario(string name, JsonObject s, string file, IReadOnlyDictionary<string, IReadOnlyList<RequestSpec>> mixes)
    {
        var at = $"scenarios.{name}";
        Unknown(s, ScenarioKeys, file, at);
        var executor = Text(s, "executor", file, at) switch
        {
            "constant-arrival-rate" => ExecutorKind.ConstantArrivalRate,
            "ramping-arrival-rate" => ExecutorKind.RampingArrivalRate,
            "constant-vus" => ExecutorKind.ConstantVus,
            "ramping-vus" => ExecutorKind.RampingVus,
            var other => throw Error(file, $"{at}.executor", $"'{other}' is not one of constant-arrival-rate, ramping-arrival-rate, constant-vus, ramping-vus"),
        };
        var exec = s["exec"] is null ? "default" : Text(s, "exec", file, at);
        if (!mixes.ContainsKey(exec))
        {
            throw Error(file, $"{at}.exec", $"names no mix: '{exec}' (mixes: {string.Join(", ", mixes.Keys)})");
        }
        var tags = s["tags"] is JsonObject tagObject
            ? tagObject.ToDictionary(t => t.Key, t => t.Value?.ToString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = s["stages"] is JsonArray array
            ? array.Select((st, i) => StageOf(st as JsonObject ?? throw Error(file, $"{at}.stages[{i}]", "must be an object"), file, $"{at}.stages[{i}]")).ToList()
            : [];
        var spec = new ScenarioSpec(name, executor, exec,
            Duration(s, "startTime", file, at, TimeSpan.Zero), Duration(s, "gracefulStop", file, at, TimeSpan.FromSeconds(30)), tags,
            Rate: 0, TimeUnit: TimeSpan.FromSeconds(1), Duration: TimeSpan.Zero, PreAllocatedVus: 0, MaxVus: 0, StartRate: 0, Vus: 0, StartVus: 0, stages);
        switch (executor)
        {
            case ExecutorKind.ConstantArrivalRate:
            case ExecutorKind.RampingArrivalRate:
                var timeUnit = Duration(s, "timeUnit", file, at, TimeSpan.FromSeconds(1));
                if (timeUnit <= TimeSpan.Zero)
                {
                    throw Error(file, $"{at}.timeUnit", "must be above 0");
                }
                var pre = (int)Number(s, "preAllocatedVUs", file, at, null, 1, MaxVusLimit);
                spec = spec with
                {
                    TimeUnit = timeUnit,
                    PreAllocatedVus = pre,
                    MaxVus = (int)Number(s, "maxVUs", file, at, pre, pre, MaxVusLimit),
                };
                spec = executor == ExecutorKind.ConstantArrivalRate
                    ? spec with { Rate = Number(s, "rate", file, at, null, 0, MaxRatePerSecond), Duration = Duration(s, "duration", file, at, null) }
                    : spec with { StartRate = Number(s, "startRate", file, at, 0, 0, MaxRatePerSecond) };
                break;
            case ExecutorKind.ConstantVus:
                spec = spec with { Vus = (int)Number(s, "vus", file, at, 1, 1, MaxVusLimit), Duration = Duration(s, "duration", file, at, null) };
                break;
            case ExecutorKind.RampingVus:
                var start = (int)Number(s, "startVUs", file, at, 1, 0, MaxVusLimit);
                spec = spec with { StartVus = start, MaxVus = (int)Math.Max(start, stages.Select(x => x.Target).DefaultIfEmpty(0).Max()) };
                break;
            default:
                throw new InvalidOperationException($"Unknown executor {executor}.");
        }
        if (executor is ExecutorKind.RampingArrivalRate or ExecutorKind.RampingVus && stages.Count == 0)
        {
            throw Error(file, $"{at}.stages", $"{Text(s, "executor", file, at)} needs at least one stage {{\"duration\": \"30s\", \"target\": 100}}");
        }
        if (spec.ActiveDuration <= TimeSpan.Zero)
        {
            throw Error(file, at, "runs for no time: give a duration (or stages) above 0");
        }
        return spec;
    }

    private static Stage StageOf(JsonObject stage, string file, string at)
    {
        Unknown(stage, StageKeys, file, at);
        return new Stage(Duration(stage, "duration", file, at, null), Number(stage, "target", file, at, null, 0, MaxRatePerSecond));
    }

    private static readonly HashSet<string> StageKeys = ["duration", "target"];

    private static readonly HashSet<string> RequestKeys =
    [
        "name", "weight", "method", "path", "json", "form", "headers", "as", "expect", "check", "capture", "consumes", "acknowledge",
    ];

    private static Dictionary<string, IReadOnlyList<RequestSpec>> Mixes(JsonObject mixes, string file)
    {
        var result = new Dictionary<string, IReadOnlyList<RequestSpec>>(StringComparer.Ordinal);
        foreach (var (name, value) in mixes)
        {
            if (value is not JsonArray requests || requests.Count == 0)
            {
                throw Error(file, $"mixes.{name}", "must be a non-empty array of requests");
            }
            var list = requests.Select((r, i) => Request(r as JsonObject ?? throw Error(file, $"mixes.{name}[{i}]", "must be an object"), file, $"mixes.{name}[{i}]")).ToList();
            if (list.All(r => r.Requires.Count > 0))
            {
                throw Error(file, $"mixes.{name}", "every request requires a captured variable: the first iteration could run none of them");
            }
            var names = list.GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1);
            if (names is not null)
            {
                throw Error(file, $"mixes.{name}", $"two requests are named '{names.Key}' (names are the `name` tag of the metrics)");
            }
            result[name] = list;
        }
        return result;
    }

    private static RequestSpec Request(JsonObject r, string file, string at)
    {
        Unknown(r, RequestKeys, file, at);
        var name = Text(r, "name", file, at);
        var method = new HttpMethod((r["method"]?.GetValue<string>() ?? "GET").ToUpperInvariant());
        var path = Template.Parse(Text(r, "path", file, at), $"{file}: {at}.path");
        Template? json = r["json"] is { } body ? Template.Parse(UnquoteNumbers(body.ToJsonString(BodyJson)), $"{file}: {at}.json") : null;
        var form = Pairs(r["form"], file, $"{at}.form").Select(p => KeyValuePair.Create(p.Key, Template.Parse(p.Value, $"{file}: {at}.form.{p.Key}"))).ToList();
        var headers = Pairs(r["headers"], file, $"{at}.headers").Select(p => KeyValuePair.Create(p.Key, Template.Parse(p.Value, $"{file}: {at}.headers.{p.Key}"))).ToList();
        if (json is not null && form.Count > 0)
        {
            throw Error(file, at, "has both json and form: a request has one body");
        }
        var caller = (r["as"]?.GetValue<string>() ?? "customer") switch
        {
            "customer" => Caller.Customer,
            "analyst" => Caller.Analyst,
            "teller" => Caller.Teller,
            "anonymous" => Caller.Anonymous,
            var other => throw Error(file, $"{at}.as", $"'{other}' is not one of customer, analyst, teller, anonymous"),
        };
        var check = r["check"] as JsonObject;
        IReadOnlySet<int>? expected = check?["status"] switch
        {
            null => null,
            JsonArray statuses => statuses.Select(x => x!.GetValue<int>()).ToHashSet(),
            var single => new HashSet<int> { single.GetValue<int>() },
        };
        var capture = Pairs(r["capture"], file, $"{at}.capture").ToList();
        foreach (var c in capture.Where(c => !c.Key.StartsWith("var.", StringComparison.Ordinal) && !c.Key.StartsWith("user.", StringComparison.Ordinal)))
        {
            throw Error(file, $"{at}.capture.{c.Key}", "captures into var.NAME (this VU) or user.NAME (the VU's user)");
        }
        var templates = new[] { path, json }.Concat(form.Select(f => f.Value)).Concat(headers.Select(h => h.Value)).OfType<Template>();
        var requires = templates.SelectMany(t => t.Variables).Distinct(StringComparer.Ordinal).ToList();
        var consumes = r["consumes"] is JsonArray c2 ? c2.Select(x => x!.GetValue<string>()).ToList() : [];
        foreach (var consumed in consumes.Where(c => !requires.Contains(c)))
        {
            throw Error(file, $"{at}.consumes", $"'{consumed}' is not used by the request");
        }
        return new RequestSpec(name, Number(r, "weight", file, at, 1, 0.000001, 1_000_000), method, path, json, form, headers, caller, expected,
            check?["body"]?.GetValue<string>(), capture, requires, consumes, r["acknowledge"]?.GetValue<string>());
    }

    private static readonly HashSet<string> UserKeys = ["customers", "fundEach", "currency", "analyst"];

    private static UserPoolSpec Users(JsonObject? users, string file)
    {
        if (users is null)
        {
            return UserPoolSpec.Default;
        }
        Unknown(users, UserKeys, file, "users");
        return new UserPoolSpec((int)Number(users, "customers", file, "users", 0, 0, MaxCustomers), (long)Number(users, "fundEach", file, "users", 0, 0, 1e15),
            users["currency"]?.GetValue<string>() ?? "EUR", users["analyst"]?.GetValue<bool>() ?? false);
    }

    /// <summary>A JSON string that is exactly one int placeholder becomes a JSON number: "amount": "{{int:1-9}}".</summary>
    private static string UnquoteNumbers(string json) => QuotedInt().Replace(json, "$1");

    [GeneratedRegex("\"(\\{\\{\\s*int:[0-9]+-[0-9]+\\s*\\}\\})\"")]
    private static partial Regex QuotedInt();

    private static IEnumerable<KeyValuePair<string, string>> Pairs(JsonNode? node, string file, string at) => node switch
    {
        null => [],
        JsonObject o => o.Select(p => KeyValuePair.Create(p.Key, p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : p.Value?.ToJsonString() ?? "")).ToList(),
        _ => throw Error(file, at, "must be an object of names to strings"),
    };

    private static JsonObject? Object(JsonObject parent, string key, string file, bool required) => parent[key] switch
    {
        JsonObject o => o,
        null when !required => null,
        null => throw Error(file, key, "is required"),
        _ => throw Error(file, key, "must be an object"),
    };

    private static string Text(JsonObject o, string key, string file, string at) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : throw Error(file, $"{at}.{key}", "is required (a non-empty string)");

    private static double Number(JsonObject o, string key, string file, string at, double? fallback, double min, double max)
    {
        double value;
        if (o[key] is null)
        {
            value = fallback ?? throw Error(file, $"{at}.{key}", "is required (a number)");
        }
        else if (o[key] is not JsonValue v || !v.TryGetValue(out value))
        {
            throw Error(file, $"{at}.{key}", "must be a number");
        }
        if (value < min || value > max || double.IsNaN(value))
        {
            throw Error(file, $"{at}.{key}", string.Create(CultureInfo.InvariantCulture, $"{value} is out of range ({min} to {max})"));
        }
        return value;
    }

    private static TimeSpan Duration(JsonObject o, string key, string file, string at, TimeSpan? fallback)
    {
        if (o[key] is null)
        {
            return fallback ?? throw Error(file, $"{at}.{key}", $"is required ({DurationParser.AcceptedForms})");
        }
        return DurationParser.TryParse(o[key]!.ToString(), out var duration, out var error) ? duration : throw Error(file, $"{at}.{key}", error!);
    }

    private static void Unknown(JsonObject o, IReadOnlySet<string> known, string file, string at = "")
    {
        foreach (var key in o.Select(p => p.Key).Where(k => !known.Contains(k)))
        {
            throw Error(file, at.Length == 0 ? key : $"{at}.{key}", $"is not a known setting (known: {string.Join(", ", known)})");
        }
    }

    public static LoadScriptException Error(string file, string at, string message) => new($"{file}: {at} {message}");
}
