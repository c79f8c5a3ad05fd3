using System.ComponentModel.DataAnnotations;

namespace LedgerX.Gateway.Api.RateLimiting;

/// <summary>Configuration section <c>Gateway:RateLimits</c>: one token bucket per budget and caller (the token's
/// <c>sub</c>, else its <c>client_id</c>, else the client IP). The numbers are for the whole deployment: each of
/// <c>Gateway:Replicas</c> replicas enforces its share.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Gateway:RateLimits";

    /// <summary>Off only for a benchmark that measures the services themselves through the gateway.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>POST, PUT, PATCH, DELETE: money moves and state changes.</summary>
    public TokenBucketBudget Writes { get; set; } = new() { TokenLimit = 30, TokensPerPeriod = 10, ReplenishmentPeriodSeconds = 1 };

    /// <summary>GET, HEAD and everything else that changes nothing.</summary>
    public TokenBucketBudget Reads { get; set; } = new() { TokenLimit = 100, TokensPerPeriod = 50, ReplenishmentPeriodSeconds = 1 };

    /// <summary>Token requests, sign-in pages, register, confirm, forgot and reset password: slow, so guessing is slow.</summary>
    public TokenBucketBudget SignIn { get; set; } = new() { TokenLimit = 10, TokensPerPeriod = 1, ReplenishmentPeriodSeconds = 6 };

    /// <summary>Questions asked in natural language (<c>POST /api/*/questions</c>): each costs a worker's time and, with a
    /// model, a model call. Reading, cancelling and rating answers are reads and writes.</summary>
    public TokenBucketBudget Nlp { get; set; } = new() { TokenLimit = 10, TokensPerPeriod = 1, ReplenishmentPeriodSeconds = 3 };

    /// <summary>Live feed connection attempts and tickets (<c>/api/*/live</c>): each holds a connection open for long, so a
    /// client that reconnects in a loop is slowed down, not the others.</summary>
    public TokenBucketBudget Live { get; set; } = new() { TokenLimit = 10, TokensPerPeriod = 1, ReplenishmentPeriodSeconds = 2 };
}

/// <summary>A token bucket: <see cref="TokenLimit"/> requests at once, refilled by <see cref="TokensPerPeriod"/> every
/// <see cref="ReplenishmentPeriodSeconds"/>.</summary>
public sealed class TokenBucketBudget
{
    [Range(1, 1_000_000)]
    public int TokenLimit { get; set; } = 1;

    [Range(1, 1_000_000)]
    public int TokensPerPeriod { get; set; } = 1;

    [Range(1, 3_600)]
    public int ReplenishmentPeriodSeconds { get; set; } = 1;
}
