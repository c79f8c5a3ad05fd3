namespace LedgerX.Cli.Load.Users;

/// <summary>
/// Keeps the pool's access tokens alive through a long run (`--find-max` runs for many minutes; `up` issues 5-minute
/// access tokens): every <see cref="Interval"/> it refreshes each user whose token expires within
/// <see cref="Margin"/>. The refresh token is taken from the user while in use (as a refresh request in a mix takes
/// it), so the two never send the same one-use token; a user whose refresh fails keeps its token and is tried again.
/// </summary>
internal sealed class TokenRefresher(CodeFlowSignIn auth, UserPool pool, TimeProvider clock, Action<string> log)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(90);

    /// <summary>Runs until <paramref name="ct"/> is cancelled (the run ended).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var users = pool.Customers.Concat(new[] { pool.Teller, pool.Analyst }.OfType<LoadUser>()).ToList();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var user in users.Where(u => ExpiresAt(u.AccessToken) - clock.GetUtcNow() < Margin))
            {
                if (user.Take(LoadUser.RefreshTokenVariable) is not { } refresh)
                {
                    continue;
                }
                try
                {
                    var tokens = await auth.RefreshAsync(refresh, ct);
                    user.Set(LoadUser.AccessTokenVariable, tokens.AccessToken);
                    user.Set(LoadUser.RefreshTokenVariable, tokens.RefreshToken ?? refresh);
                }
                catch (Exception ex) when (ex is LoadSetupException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    user.Set(LoadUser.RefreshTokenVariable, refresh);
                    log($"users: refreshing {user.Email}'s token failed ({ex.Message}); trying again in {Interval.TotalSeconds:0} s");
                }
            }
        }
    }

    /// <summary>The token's <c>exp</c>; far future when it has none or is not a JWT (nothing to refresh then).</summary>
    public static DateTimeOffset ExpiresAt(string? jwt) =>
        JwtPayload.Read(jwt) is { } payload && payload.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MaxValue;
}
