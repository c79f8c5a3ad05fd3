using System.Collections.Concurrent;

namespace LedgerX.Cli.Load;

/// <summary>
/// A signed-in user of the pool: who, their access token and (for sign-in requests) their refresh token, and their
/// funded account. Values a request captures into <c>user.NAME</c> live here, shared by every VU that plays this user;
/// <c>user.accessToken</c> is the bearer of the user's next request, so a refresh in the mix rotates it for real.
/// </summary>
public sealed class LoadUser
{
    public const string AccessTokenVariable = "accessToken";
    public const string RefreshTokenVariable = "refreshToken";

    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);

    public LoadUser(string email, string subject, string accessToken, string? refreshToken, Guid? accountId)
    {
        Email = email;
        Subject = subject;
        AccountId = accountId;
        _values[AccessTokenVariable] = accessToken;
        if (refreshToken is not null)
        {
            _values[RefreshTokenVariable] = refreshToken;
        }
    }

    public string Email { get; }
    public string Subject { get; }
    public Guid? AccountId { get; }

    public string? AccessToken => Get(AccessTokenVariable);
    public string? RefreshToken => Get(RefreshTokenVariable);

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public void Set(string name, string value) => _values[name] = value;

    /// <summary>Takes a one-use value (a rotating refresh token) so that no other VU of this user sends it too; the
    /// request's capture puts the next one back.</summary>
    public string? Take(string name) => _values.TryRemove(name, out var value) ? value : null;
}

/// <summary>The users a run plays: customers (a VU plays customer <c>vu % count</c>), and the staff some requests need.</summary>
public sealed record UserPool(IReadOnlyList<LoadUser> Customers, LoadUser? Analyst, LoadUser? Teller)
{
    public static readonly UserPool Empty = new([], null, null);
}
