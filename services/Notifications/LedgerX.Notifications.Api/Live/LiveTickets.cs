using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// Single-use tickets for clients that cannot send an Authorization header when they connect (a browser's WebSocket
/// and EventSource). Issued to a signed-in user, valid <c>TicketLifetimeSeconds</c>, redeemed once, on any replica
/// (they live in the database; only their SHA-256 is stored, so the table leaks nothing usable). An access token is
/// never accepted in a query string: URLs end up in logs.
/// </summary>
public sealed class LiveTickets(LiveDbContext db, TimeProvider clock, IOptions<LiveOptions> options)
{
    /// <summary>256 random bits, base64url: unguessable, and safe in a query string.</summary>
    public async Task<(string Ticket, DateTimeOffset ExpiresAt)> IssueAsync(string userId, DateTimeOffset? tokenExpiresAt, CancellationToken ct)
    {
        var ticket = Base64Url(RandomNumberGenerator.GetBytes(32));
        var expiresAt = clock.GetUtcNow() + options.Value.TicketLifetime;
        db.Tickets.Add(new LiveTicketRow { Hash = Hash(ticket), UserId = userId, ExpiresAt = expiresAt, TokenExpiresAt = tokenExpiresAt });
        await db.SaveChangesAsync(ct);
        return (ticket, expiresAt);
    }

    /// <summary>The ticket's user and token expiry, marking it used; null when it is unknown, used or expired (one
    /// atomic UPDATE, so two replicas redeeming it at once cannot both succeed).</summary>
    public async Task<LiveTicketRow?> RedeemAsync(string ticket, CancellationToken ct)
    {
        if (ticket.Length is 0 or > 128)
        {
            return null;
        }
        var hash = Hash(ticket);
        var now = clock.GetUtcNow();
        var redeemed = await db.Tickets
            .Where(t => t.Hash == hash && t.RedeemedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RedeemedAt, now), ct);
        return redeemed == 1 ? await db.Tickets.AsNoTracking().SingleAsync(t => t.Hash == hash, ct) : null;
    }

    private static string Hash(string ticket) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ticket)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
