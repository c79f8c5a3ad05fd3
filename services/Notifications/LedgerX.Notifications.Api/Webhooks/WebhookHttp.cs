using System.Net;
using System.Net.Sockets;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// The handler webhooks are sent through. Its connect callback resolves the host itself and dials only addresses the
/// <see cref="SsrfGuard"/> allows, so what was checked is what is connected to (a rebinding DNS answer cannot slip a
/// private address in between a check and the connect). No proxy (it would dial on our behalf, unchecked), no
/// redirects (a 3xx is an answer, not an instruction: following it would reach an unchecked URL), no cookies, short
/// connect timeout.
/// </summary>
public static class WebhookHttp
{
    public const string ClientName = "webhooks";

    public static SocketsHttpHandler CreateHandler(SsrfGuard guard, TimeSpan connectTimeout) =>
        CreateHandler(guard, connectTimeout, Dns.GetHostAddressesAsync);

    /// <summary><paramref name="resolve"/> is the DNS lookup, injectable so a test can answer like a rebinding server.</summary>
    public static SocketsHttpHandler CreateHandler(SsrfGuard guard, TimeSpan connectTimeout, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(resolve);
        return new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = connectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, ct) => ConnectAsync(guard, resolve, context.DnsEndPoint, ct),
        };
    }

    private static async ValueTask<Stream> ConnectAsync(
        SsrfGuard guard, Func<string, CancellationToken, Task<IPAddress[]>> resolve, DnsEndPoint target, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(target.Host, out var literal) ? [literal] : await resolve(target.Host, ct);
        var refusals = new List<string>();
        Exception? lastFailure = null;
        foreach (var address in addresses)
        {
            if (guard.WhyForbidden(address) is { } why)
            {
                refusals.Add(why);
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, target.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastFailure = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        if (lastFailure is not null)
        {
            throw lastFailure;
        }
        throw new WebhookAddressForbiddenException(
            $"The webhook host '{target.Host}' resolves only to refused addresses: {string.Join("; ", refusals)}.");
    }
}
