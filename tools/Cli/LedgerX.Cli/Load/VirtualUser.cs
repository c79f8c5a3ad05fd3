using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LedgerX.Cli.Load;

/// <summary>What every VU of one scenario shares: its spec and mix, the metrics, the HTTP client and the users.</summary>
internal sealed class ScenarioContext(ScenarioSpec spec, IReadOnlyList<RequestSpec> mix, LoadMetrics metrics, HttpClient http, Uri target, UserPool users)
{
    private readonly double _totalWeight = mix.Sum(r => r.Weight);

    public ScenarioSpec Spec { get; } = spec;
    public IReadOnlyList<RequestSpec> Mix { get; } = mix;
    public LoadMetrics Metrics { get; } = metrics;
    public HttpClient Http { get; } = http;
    public Uri Target { get; } = target;
    public UserPool Users { get; } = users;
    public ScenarioCounters Counters { get; } = metrics.Scenario(spec.Name);

    /// <summary>A request by weight; the caller falls back to the first runnable one if the pick needs a value not
    /// captured yet.</summary>
    public RequestSpec Pick(Random random)
    {
        var point = random.NextDouble() * _totalWeight;
        foreach (var request in Mix)
        {
            point -= request.Weight;
            if (point < 0)
            {
                return request;
            }
        }
        return Mix[^1];
    }
}

/// <summary>
/// One k6 VU: plays one user of the pool, keeps the values its requests capture (<c>var.NAME</c>), and runs one
/// request of its scenario's mix per iteration. A VU runs one iteration at a time (the executors guarantee it), so its
/// own state needs no lock; the user's values are shared and concurrent.
/// </summary>
internal sealed class VirtualUser(int id, ScenarioContext context) : ITemplateValues
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };

    private readonly Dictionary<string, string> _vars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _taken = new(StringComparer.Ordinal);
    private readonly StringBuilder _text = new(256);
    private readonly Random _random = new(unchecked((id + 1) * 7919 + context.Spec.Name.GetHashCode(StringComparison.Ordinal)));
    private readonly LoadUser? _user = context.Users.Customers.Count == 0 ? null : context.Users.Customers[id % context.Users.Customers.Count];
    private string? _idempotencyKey;

    public int Id { get; } = id;

    public string? Lookup(string name) => name switch
    {
        "account" => _user?.AccountId?.ToString(),
        "peerAccount" => PeerAccount(),
        "email" => _user?.Email,
        "idempotencyKey" => _idempotencyKey ??= Guid.CreateVersion7().ToString(),
        _ when _taken.TryGetValue(name, out var taken) => taken,
        _ when name.StartsWith("var.", StringComparison.Ordinal) => _vars.GetValueOrDefault(name[4..]),
        _ when name.StartsWith("user.", StringComparison.Ordinal) => _user?.Get(name[5..]),
        _ => null,
    };

    /// <summary>One iteration: bounded by the HTTP client's timeout; cancellation (gracefulStop passed, abortOnFail)
    /// leaves it unrecorded, as k6 drops interrupted iterations' samples.</summary>
    public async Task IterateAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Pick(_random);
        if (!IsRunnable(request))
        {
            request = context.Mix.First(r => IsRunnable(r));
        }
        try
        {
            await SendAsync(request, ct);
            context.Counters.Iteration(LoadMetrics.Micros(started, Stopwatch.GetTimestamp()));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _taken.Clear();
            _idempotencyKey = null;
        }
    }

    private bool IsRunnable(RequestSpec request) => request.Requires.All(name => Lookup(name) is not null);

    private async Task SendAsync(RequestSpec spec, CancellationToken ct)
    {
        foreach (var name in spec.Consumes)
        {
            var value = name.StartsWith("user.", StringComparison.Ordinal) ? _user?.Take(name[5..]) : _vars.Remove(name[4..], out var v) ? v : null;
            if (value is not null)
            {
                _taken[name] = value;
            }
        }
        using var message = Build(spec);
        if (message is null)
        {
            // Another VU of this user took the one-use value first: the iteration runs the mix's first request instead.
            var fallback = context.Mix.First(r => r.Requires.Count == 0);
            using var plain = Build(fallback) ?? throw new InvalidOperationException($"{fallback.Name} needs no variable but did not render.");
            await ExchangeAsync(fallback, plain, ct);
            return;
        }
        await ExchangeAsync(spec, message, ct);
    }

    private HttpRequestMessage? Build(RequestSpec spec)
    {
        _text.Clear();
        if (!spec.Path.TryRender(_text, this, _random))
        {
            return null;
        }
        var message = new HttpRequestMessage(spec.Method, new Uri(context.Target, _text.ToString().TrimStart('/')));
        var bearer = spec.As switch
        {
            Caller.Customer => _user?.AccessToken,
            Caller.Analyst => context.Users.Analyst?.AccessToken,
            Caller.Teller => context.Users.Teller?.AccessToken,
            _ => null,
        };
        if (bearer is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        foreach (var (name, template) in spec.Headers)
        {
            if (template.Render(this, _random) is not { } value)
            {
                message.Dispose();
                return null;
            }
            message.Headers.TryAddWithoutValidation(name, value);
        }
        if (spec.JsonBody is not null)
        {
            _text.Clear();
            if (!spec.JsonBody.TryRender(_text, this, _random))
            {
                message.Dispose();
                return null;
            }
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(_text.ToString())) { Headers = { ContentType = JsonType } };
        }
        else if (spec.Form.Count > 0)
        {
            var fields = new List<KeyValuePair<string, string>>(spec.Form.Count);
            foreach (var (name, template) in spec.Form)
            {
                if (template.Render(this, _random) is not { } value)
                {
                    message.Dispose();
                    return null;
                }
                fields.Add(KeyValuePair.Create(name, value));
            }
            message.Content = new FormUrlEncodedContent(fields);
        }
        return message;
    }

    private async Task ExchangeAsync(RequestSpec spec, HttpRequestMessage message, CancellationToken ct)
    {
        var scenario = context.Spec.Name;
        var start = Stopwatch.GetTimestamp();
        int status;
        byte[]? body = null;
        try
        {
            // The default completion option buffers the body: the duration includes receiving it, as k6's does.
            using var response = await context.Http.SendAsync(message, ct);
            status = (int)response.StatusCode;
            if (spec.NeedsBody)
            {
                body = await response.Content.ReadAsByteArrayAsync(ct);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            status = 0;
        }
        context.Metrics.Request(scenario, spec, status, start, Stopwatch.GetTimestamp());

        var statusPassed = status != 0 && spec.IsExpected(status);
        if (spec.ExpectedStatuses is not null)
        {
            context.Metrics.Check(scenario, spec.Name, StatusCheckName(spec), statusPassed);
        }
        JsonElement? json = statusPassed && body is { Length: > 0 } ? TryParse(body) : null;
        var bodyPassed = true;
        if (spec.BodyCheck is not null)
        {
            bodyPassed = json is { } root && Property(root, spec.BodyCheck) is not null;
            context.Metrics.Check(scenario, spec.Name, $"body has {spec.BodyCheck}", bodyPassed);
        }
        if (!statusPassed || json is not { } parsed)
        {
            return;
        }
        foreach (var (into, from) in spec.Capture)
        {
            if (Property(parsed, from) is { } value)
            {
                if (into.StartsWith("user.", StringComparison.Ordinal))
                {
                    _user?.Set(into[5..], value);
                }
                else
                {
                    _vars[into[4..]] = value;
                }
            }
        }
        if (spec.Acknowledge is not null && bodyPassed)
        {
            context.Metrics.Acknowledge(spec.Acknowledge, scenario, _idempotencyKey ?? "", Property(parsed, spec.BodyCheck ?? "id"));
        }
    }

    public static string StatusCheckName(RequestSpec spec) =>
        "status is " + string.Join(" or ", spec.ExpectedStatuses!.Order().Select(s => s.ToString(CultureInfo.InvariantCulture)));

    private static JsonElement? TryParse(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A dotted path (<c>items.0.id</c>) into the body; strings as they are, other values as JSON text.</summary>
    public static string? Property(JsonElement root, string path)
    {
        var current = root;
        foreach (var segment in path.Split('.'))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }
        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => current.GetRawText(),
        };
    }

    private string? PeerAccount()
    {
        var customers = context.Users.Customers;
        if (customers.Count < 2)
        {
            return null;
        }
        var index = _random.Next(customers.Count);
        if (ReferenceEquals(customers[index], _user))
        {
            index = (index + 1) % customers.Count;
        }
        return customers[index].AccountId?.ToString();
    }
}
