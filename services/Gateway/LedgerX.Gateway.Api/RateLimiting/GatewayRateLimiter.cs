using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using LedgerX.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace LedgerX.Gateway.Api.RateLimiting;

/// <summary>The bucket one request draws from.</summary>
internal sealed record RateLimitSubject(string Budget, string Caller);

/// <summary>A budget as this replica enforces it: the configured one divided among <c>Gateway:Replicas</c>, rounded up
/// (so a budget never drops to zero), and the quota policy the headers announce.</summary>
internal sealed record ReplicaBudget(string Name, int TokenLimit, int TokensPerPeriod, int PeriodSeconds)
{
    public static ReplicaBudget Of(string name, TokenBucketBudget configured, int replicas) => new(name,
        Share(configured.TokenLimit, replicas), Share(configured.TokensPerPeriod, replicas), configured.ReplenishmentPeriodSeconds);

    /// <summary>Seconds an empty bucket takes to fill: the window of the <c>RateLimit-Policy</c> quota.</summary>
    public int WindowSeconds => Refill(TokenLimit);

    /// <summary>Seconds until <paramref name="missing"/> tokens are back.</summary>
    public int Refill(long missing) => (int)((missing + TokensPerPeriod - 1) / TokensPerPeriod) * PeriodSeconds;

    private static int Share(int value, int replicas) => Math.Max(1, (value + replicas - 1) / replicas);
}

/// <summary>
/// Token buckets per budget and caller (<see cref="RateLimitBudgets"/>), checked after authentication (so a valid token
/// counts against its subject, and requests without one against their IP) and before authorization (so a flood of
/// requests without tokens is cut off cheaply, and never reaches a service). Every answer carries the IETF
/// <c>RateLimit-Policy</c> and <c>RateLimit</c> fields (draft-ietf-httpapi-ratelimit-headers); a refusal is 429
/// problem+json <c>rate_limited</c> with <c>Retry-After</c>.
/// </summary>
internal sealed class GatewayRateLimiter : IAsyncDisposable
{
    public const string Code = "rate_limited";

    private readonly Dictionary<string, ReplicaBudget> _budgets;
    private readonly PartitionedRateLimiter<RateLimitSubject> _limiter;
    private readonly bool _enabled;

    public GatewayRateLimiter(IOptions<RateLimitOptions> options, IOptions<GatewayOptions> gateway)
    {
        var settings = options.Value;
        var replicas = gateway.Value.Replicas;
        _enabled = settings.Enabled;
        _budgets = new Dictionary<string, ReplicaBudget>(StringComparer.Ordinal)
        {
            [RateLimitBudgets.Writes] = ReplicaBudget.Of(RateLimitBudgets.Writes, settings.Writes, replicas),
            [RateLimitBudgets.Reads] = ReplicaBudget.Of(RateLimitBudgets.Reads, settings.Reads, replicas),
            [RateLimitBudgets.SignIn] = ReplicaBudget.Of(RateLimitBudgets.SignIn, settings.SignIn, replicas),
            [RateLimitBudgets.Nlp] = ReplicaBudget.Of(RateLimitBudgets.Nlp, settings.Nlp, replicas),
            [RateLimitBudgets.Live] = ReplicaBudget.Of(RateLimitBudgets.Live, settings.Live, replicas),
        };
        _limiter = PartitionedRateLimiter.Create<RateLimitSubject, RateLimitSubject>(subject =>
        {
            var budget = _budgets[subject.Budget];
            return RateLimitPartition.GetTokenBucketLimiter(subject, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = budget.TokenLimit,
                TokensPerPeriod = budget.TokensPerPeriod,
                ReplenishmentPeriod = TimeSpan.FromSeconds(budget.PeriodSeconds),
                AutoReplenishment = true,
                // No waiting room: a request over budget is answered at once, never parked holding a connection.
                QueueLimit = 0,
            });
        });
    }

    public IReadOnlyDictionary<string, ReplicaBudget> Budgets => _budgets;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // Probes and scrapes come from the platform every few seconds; they must not spend (or be refused by) a budget.
        if (!_enabled || IsProbe(context.Request.Path))
        {
            await next(context);
            return;
        }
        var subject = new RateLimitSubject(RateLimitBudgets.Of(context.Request), RateLimitBudgets.CallerOf(context));
        var budget = _budgets[subject.Budget];
        using var lease = _limiter.AttemptAcquire(subject);
        var remaining = _limiter.GetStatistics(subject)?.CurrentAvailablePermits ?? 0;
        var headers = context.Response.Headers;
        headers[RateLimitHeaders.Policy] = RateLimitHeaders.PolicyValue(budget);
        headers[RateLimitHeaders.Current] = RateLimitHeaders.CurrentValue(budget, remaining);
        if (lease.IsAcquired)
        {
            await next(context);
            return;
        }
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(budget.PeriodSeconds);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await GatewayProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, Code,
            $"Too many {budget.Name} requests from this caller; retry after {seconds} s.",
            new Dictionary<string, object?> { ["budget"] = budget.Name, ["retryAfterSeconds"] = seconds });
    }

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();

    // Not /metrics: the scraper reads it on the management listener (Gateway:MetricsUrl), so on this port it is just
    // another unrouted path, budgeted like any other.
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(DefaultEndpoints.Liveness) || path.StartsWithSegments(DefaultEndpoints.Readiness);
}

/// <summary>The fields of draft-ietf-httpapi-ratelimit-headers (structured-field lists keyed by policy name):
/// <c>RateLimit-Policy: "reads";q=100;w=2</c> is the quota, <c>RateLimit: "reads";r=99;t=1</c> what is left of it and
/// in how many seconds it is whole again.</summary>
internal static class RateLimitHeaders
{
    public const string Policy = "RateLimit-Policy";
    public const string Current = "RateLimit";

    public static string PolicyValue(ReplicaBudget budget) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{budget.Name}\";q={budget.TokenLimit};w={budget.WindowSeconds}");

    public static string CurrentValue(ReplicaBudget budget, long remaining) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{budget.Name}\";r={remaining};t={budget.Refill(budget.TokenLimit - remaining)}");
}

internal static class RateLimitingRegistration
{
    public static WebApplicationBuilder AddGatewayRateLimits(this WebApplicationBuilder builder)
    {
        // Data annotations do not reach into the nested budgets by themselves.
        builder.Services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section).Validate(
            o => new[] { o.Writes, o.Reads, o.SignIn, o.Nlp, o.Live }.All(b => b is not null && Validator.TryValidateObject(b, new ValidationContext(b), null, true)),
            "Gateway:RateLimits: every budget's TokenLimit and TokensPerPeriod are 1 to 1000000, ReplenishmentPeriodSeconds 1 to 3600.");
        builder.Services.AddSingleton<GatewayRateLimiter>();
        return builder;
    }

    public static IApplicationBuilder UseGatewayRateLimits(this IApplicationBuilder app)
    {
        var limiter = app.ApplicationServices.GetRequiredService<GatewayRateLimiter>();
        return app.Use(next => context => limiter.InvokeAsync(context, next));
    }
}
