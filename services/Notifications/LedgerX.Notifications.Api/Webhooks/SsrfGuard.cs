using System.Net;
using System.Net.Sockets;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// Which addresses a webhook may reach: only public unicast ones, unless a range is explicitly allowed
/// (<see cref="WebhookOptions.AllowedPrivateNetworks"/>). Checked at registration (the host as it resolves then) and
/// again on every connect (<see cref="WebhookHttp"/>), because a name can resolve to something else a second later
/// (DNS rebinding): the address actually dialled is the one checked.
/// </summary>
public sealed class SsrfGuard(IReadOnlyList<IPNetwork> allowed)
{
    /// <summary>The ranges refused, with why (RFC 6890 special-purpose registries; IPv6 ones that embed IPv4 are
    /// unwrapped first, so ::ffff:10.0.0.1 is judged as 10.0.0.1).</summary>
    private static readonly (IPNetwork Network, string Why)[] Forbidden =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "'this network' (0.0.0.0/8)"),
        (IPNetwork.Parse("10.0.0.0/8"), "private (10.0.0.0/8)"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback (127.0.0.0/8)"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local, cloud metadata included (169.254.0.0/16)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private (172.16.0.0/12)"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation (192.0.2.0/24)"),
        (IPNetwork.Parse("192.168.0.0/16"), "private (192.168.0.0/16)"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation (198.51.100.0/24)"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation (203.0.113.0/24)"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast (224.0.0.0/4)"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved and broadcast (240.0.0.0/4)"),
        (IPNetwork.Parse("::/128"), "unspecified (::)"),
        (IPNetwork.Parse("::1/128"), "loopback (::1)"),
        (IPNetwork.Parse("100::/64"), "discard-only (100::/64)"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation (2001:db8::/32)"),
        (IPNetwork.Parse("fc00::/7"), "unique-local (fc00::/7)"),
        (IPNetwork.Parse("fe80::/10"), "link-local (fe80::/10)"),
        (IPNetwork.Parse("fec0::/10"), "site-local (fec0::/10)"),
        (IPNetwork.Parse("ff00::/8"), "multicast (ff00::/8)"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork IPv4Compatible = IPNetwork.Parse("::/96");

    /// <summary>Why <paramref name="address"/> may not be dialled, or null when it may.</summary>
    public string? WhyForbidden(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && (Nat64.Contains(address)
                 || (IPv4Compatible.Contains(address) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback))))
        {
            // The last four bytes are an IPv4 address a translator would reach: judge that one.
            address = new IPAddress(address.GetAddressBytes()[12..]);
        }
        if (allowed.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address)))
        {
            return null;
        }
        foreach (var (network, why) in Forbidden)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return $"{address} is {why}";
            }
        }
        return null;
    }

    /// <summary>
    /// Checks a URL before it is stored: absolute, https (http only when <paramref name="allowHttp"/>), no user info, and
    /// every address its host resolves to now is allowed. Null when it may be registered, else why not.
    /// <paramref name="resolve"/> is the DNS lookup (injected so unit tests can play a rebinding resolver).
    /// </summary>
    public async Task<UrlVerdict> CheckAsync(string? url, bool allowHttp, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        if (string.IsNullOrWhiteSpace(url) || url.Length > WebhookUrl.MaxLength
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return UrlVerdict.Invalid($"The url must be an absolute https URL of at most {WebhookUrl.MaxLength} characters.");
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowHttp && uri.Scheme == Uri.UriSchemeHttp))
        {
            return UrlVerdict.Invalid(allowHttp ? "The url must use https or http." : "The url must use https.");
        }
        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return UrlVerdict.Invalid("The url may carry neither user info nor a fragment.");
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.DnsSafeHost, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await resolve(uri.DnsSafeHost, ct);
            }
            catch (SocketException)
            {
                return UrlVerdict.Invalid($"The host '{uri.DnsSafeHost}' does not resolve.");
            }
            if (addresses.Length == 0)
            {
                return UrlVerdict.Invalid($"The host '{uri.DnsSafeHost}' does not resolve.");
            }
        }
        // Every address, not the first: a name with one public and one private record would otherwise get through.
        foreach (var address in addresses)
        {
            if (WhyForbidden(address) is { } why)
            {
                return UrlVerdict.Forbidden($"The url's host '{uri.DnsSafeHost}' reaches {why}; webhooks may only reach public addresses.");
            }
        }
        return UrlVerdict.Allowed(uri);
    }
}

/// <summary>The outcome of <see cref="SsrfGuard.CheckAsync"/>: allowed (with the parsed URL), malformed, or refused by the guard.</summary>
public sealed record UrlVerdict(Uri? Url, string? Problem, bool IsForbidden)
{
    public static UrlVerdict Allowed(Uri url) => new(url, null, false);
    public static UrlVerdict Invalid(string problem) => new(null, problem, false);
    public static UrlVerdict Forbidden(string problem) => new(null, problem, true);
}

/// <summary>Raised by the connect callback when the address about to be dialled is refused.</summary>
public sealed class WebhookAddressForbiddenException(string message) : HttpRequestException(message);

public static class WebhookUrl
{
    public const int MaxLength = 2048;
}
