using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LedgerX.Cli.Load.Users;

/// <summary>Where the pool comes from and where it is kept between runs.</summary>
internal sealed record PoolSettings(Uri Gateway, string CacheFile, string Maildir, string? AdminPassword)
{
    public const string AdminEmail = "admin@ledgerx.local";
    public const string AdminPasswordVariable = "LEDGERX_ADMIN_PASSWORD";

    /// <summary>Every load user's password: development systems only (the cache file is the pool's only key).</summary>
    public const string Password = "Load-Customer-Passw0rd!";
}

/// <summary>
/// Makes the users a scenario file asks for through the real auth-service, and keeps them in a cache file
/// (<c>.ledgerx/load-users.json</c>: e-mail, account, refresh token per user) so a second run only refreshes their
/// tokens. New customers register, read the confirmation code from the maildir, sign in with the code flow + PKCE,
/// open an account and are funded by the pool's teller (a user the seeded admin made a teller: the admin's password
/// is printed once in auth-service's log by `./ledgerx up`). Sign-ins run a few at a time: auth-service hashes passwords.
/// </summary>
internal sealed class UserPoolPreparer(PoolSettings settings, Action<string> log, TimeProvider clock)
{
    /// <summary>New users wait mostly for their confirmation mail (outbox → pub/sub → notification-service → SMTP);
    /// a few at a time keeps auth-service's password hashing from starving the rest of a 2-core machine.</summary>
    private const int Parallelism = 6;

    /// <summary>Everything staff may hold: the token gets what the role allows (ledger:fund for the teller,
    /// fraud:review for the analyst).</summary>
    private const string StaffScope = "openid offline_access ledger:read ledger:write ledger:fund accounts:any fraud:review analytics:read";
    private static readonly TimeSpan MailPatience = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions CacheJson = new() { WriteIndented = true };

    private readonly CodeFlowSignIn _auth = new(settings.Gateway);
    private readonly HttpClient _http = SetupHttp.Create(settings.Gateway);

    public async Task<UserPool> PrepareAsync(UserPoolSpec spec, CancellationToken ct)
    {
        if (spec.Customers == 0 && !spec.Analyst)
        {
            return UserPool.Empty;
        }
        var cache = Load();
        var teller = spec.FundEach > 0 || spec.Analyst ? await StaffAsync(cache, "teller", ct) : null;
        var analyst = spec.Analyst ? await StaffAsync(cache, "fraud_analyst", ct) : null;
        var customers = new List<LoadUser>();
        var kept = cache.Customers.Where(c => c.Currency == spec.Currency).Take(spec.Customers).ToList();
        log($"users: refreshing {kept.Count} cached customer(s), making {spec.Customers - kept.Count} new one(s)");
        await Parallel.ForEachAsync(kept, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (c, token) =>
        {
            var user = await RefreshOrSignInAsync(c, token);
            lock (customers)
            {
                customers.Add(user);
            }
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, spec.Customers - kept.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (_, token) =>
            {
                var user = await NewCustomerAsync(spec, teller, token);
                lock (customers)
                {
                    customers.Add(user);
                }
            });
        var pool = new UserPool([.. customers.OrderBy(c => c.Email, StringComparer.Ordinal)], analyst, teller);
        Save(pool, spec.Currency);
        return pool;
    }

    private async Task<LoadUser> RefreshOrSignInAsync(CachedUser cached, CancellationToken ct)
    {
        SignedIn tokens;
        try
        {
            tokens = await _auth.RefreshAsync(cached.RefreshToken ?? throw new LoadSetupException("no refresh token"), ct);
        }
        catch (LoadSetupException)
        {
            // Expired or revoked (a refresh token reused after rotation revokes the chain): the password still works.
            tokens = await _auth.SignInAsync(cached.Email, PoolSettings.Password, CodeFlowSignIn.CustomerScope, ct);
        }
        return new LoadUser(cached.Email, tokens.Subject, tokens.AccessToken, tokens.RefreshToken, cached.AccountId);
    }

    private async Task<LoadUser> NewCustomerAsync(UserPoolSpec spec, LoadUser? teller, CancellationToken ct)
    {
        var email = $"load-{Guid.NewGuid():N}@ledgerx.test";
        await RegisterAsync(email, ct);
        var tokens = await _auth.SignInAsync(email, PoolSettings.Password, CodeFlowSignIn.CustomerScope, ct);
        using var open = Request(HttpMethod.Post, "api/v1/accounts", tokens.AccessToken, new { currency = spec.Currency });
        var account = Guid.Parse(VirtualUser.Property(await ExpectAsync(open, HttpStatusCode.Created, ct), "id")!);
        if (spec.FundEach > 0)
        {
            using var deposit = Request(HttpMethod.Post, "api/v1/deposits", teller!.AccessToken!, new { accountId = account, amount = spec.FundEach, currency = spec.Currency });
            await ExpectAsync(deposit, HttpStatusCode.Created, ct);
        }
        return new LoadUser(email, tokens.Subject, tokens.AccessToken, tokens.RefreshToken, account);
    }

    private async Task<string> RegisterAsync(string email, CancellationToken ct)
    {
        using var register = Request(HttpMethod.Post, "api/v1/users/register", null, new { email, password = PoolSettings.Password });
        var id = VirtualUser.Property(await ExpectAsync(register, HttpStatusCode.Created, ct), "id")!;
        var code = await new ConfirmationMailbox(settings.Maildir, clock).CodeForAsync(email, MailPatience, ct);
        using var confirm = Request(HttpMethod.Post, "api/v1/users/confirm", null, new { userId = id, token = code });
        await ExpectAsync(confirm, HttpStatusCode.NoContent, ct);
        return id;
    }

    /// <summary>The pool's teller or analyst: from the cache (tokens refreshed), else a new user the admin grants the role.</summary>
    private async Task<LoadUser> StaffAsync(PoolCache cache, string role, CancellationToken ct)
    {
        if (cache.Staff.FirstOrDefault(s => s.Role == role) is { } cached)
        {
            return await RefreshOrSignInAsync(cached, ct);
        }
        if (string.IsNullOrEmpty(settings.AdminPassword))
        {
            throw new LoadSetupException($"a {role} is needed and none is cached: give the seeded admin's password (--admin-password or " +
                                         $"${PoolSettings.AdminPasswordVariable}; `./ledgerx up` prints it once in auth-service's log)");
        }
        log($"users: making the pool's {role}");
        var admin = await _auth.SignInAsync(PoolSettings.AdminEmail, settings.AdminPassword, "openid users:admin", ct);
        var email = $"load-{role}-{Guid.NewGuid():N}@ledgerx.test";
        var id = await RegisterAsync(email, ct);
        using var grant = Request(HttpMethod.Put, $"api/v1/admin/users/{id}/roles/{role}", admin.AccessToken, null);
        await ExpectAsync(grant, HttpStatusCode.OK, ct);
        var tokens = await _auth.SignInAsync(email, PoolSettings.Password, StaffScope, ct);
        var user = new LoadUser(email, tokens.Subject, tokens.AccessToken, tokens.RefreshToken, null);
        cache.Staff.Add(new CachedUser(email, null, tokens.RefreshToken, "", role));
        return user;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? token, object? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private async Task<JsonElement> ExpectAsync(HttpRequestMessage request, HttpStatusCode status, CancellationToken ct)
    {
        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != status)
        {
            throw new LoadSetupException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}, expected {(int)status}: {text}");
        }
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement;
    }

    private sealed record CachedUser(string Email, Guid? AccountId, string? RefreshToken, string Currency, string? Role = null);

    private sealed record PoolCache(string Gateway, List<CachedUser> Customers, List<CachedUser> Staff);

    private PoolCache Load()
    {
        try
        {
            if (File.Exists(settings.CacheFile) &&
                JsonSerializer.Deserialize<PoolCache>(File.ReadAllText(settings.CacheFile)) is { } cache && cache.Gateway == settings.Gateway.ToString())
            {
                return cache;
            }
        }
        catch (JsonException ex)
        {
            log($"users: ignoring {settings.CacheFile} ({ex.Message})");
        }
        return new PoolCache(settings.Gateway.ToString(), [], []);
    }

    /// <summary>Written owner-only: the refresh tokens in it sign the pool's users in.</summary>
    private void Save(UserPool pool, string currency)
    {
        var previous = Load();
        var customers = pool.Customers.Select(c => new CachedUser(c.Email, c.AccountId, c.RefreshToken, currency))
            .Concat(previous.Customers.Where(p => pool.Customers.All(c => c.Email != p.Email)))
            .ToList();
        var staff = new[] { (pool.Teller, "teller"), (pool.Analyst, "fraud_analyst") }
            .Where(s => s.Item1 is not null).Select(s => new CachedUser(s.Item1!.Email, null, s.Item1.RefreshToken, "", s.Item2)).ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.CacheFile))!);
        var temp = settings.CacheFile + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new PoolCache(settings.Gateway.ToString(), customers, staff), CacheJson));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temp, settings.CacheFile, overwrite: true);
    }
}
