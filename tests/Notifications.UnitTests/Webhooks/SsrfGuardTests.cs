using System.Net;
using System.Net.Sockets;
using LedgerX.Notifications.Api.Webhooks;

namespace LedgerX.Notifications.UnitTests.Webhooks;

public sealed class SsrfGuardTests
{
    private static readonly SsrfGuard Strict = new([]);

    [Theory]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("0.0.0.0")]
    [InlineData("100.64.0.1")]  // CGNAT
    [InlineData("224.0.0.1")]   // multicast
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:10.0.0.1")]       // IPv4-mapped
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]    // NAT64 of 169.254.169.254
    public void RefusesNonPublicAddresses(string address) =>
        Strict.WhyForbidden(IPAddress.Parse(address)).ShouldNotBeNull();

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]   // just outside 172.16/12
    [InlineData("100.128.0.1")]  // just outside 100.64/10
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void AllowsPublicAddresses(string address) =>
        Strict.WhyForbidden(IPAddress.Parse(address)).ShouldBeNull();

    [Fact]
    public void AnAllowedRange_LetsOnlyThatRangeThrough()
    {
        var guard = new SsrfGuard([IPNetwork.Parse("127.0.0.0/8")]);

        guard.WhyForbidden(IPAddress.Parse("127.0.0.1")).ShouldBeNull();
        guard.WhyForbidden(IPAddress.Parse("::ffff:127.0.0.1")).ShouldBeNull();
        guard.WhyForbidden(IPAddress.Parse("::1")).ShouldNotBeNull();
        guard.WhyForbidden(IPAddress.Parse("10.0.0.1")).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.0.0.1/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("https://[::ffff:192.168.0.1]/hook")]
    public async Task ARefusedLiteral_IsForbidden(string url)
    {
        var verdict = await Strict.CheckAsync(url, allowHttp: false, NeverResolve, CancellationToken.None);

        verdict.IsForbidden.ShouldBeTrue();
        verdict.Url.ShouldBeNull();
    }

    [Fact]
    public async Task AHostnameResolvingToLoopback_IsForbidden()
    {
        var verdict = await Strict.CheckAsync("https://localhost/hook", allowHttp: false, Dns.GetHostAddressesAsync, CancellationToken.None);

        verdict.IsForbidden.ShouldBeTrue();
        verdict.Problem.ShouldNotBeNull().ShouldContain("loopback");
    }

    [Fact]
    public async Task OnePrivateRecordAmongPublicOnes_IsEnoughToRefuse()
    {
        var verdict = await Strict.CheckAsync("https://hooks.example.com/x", false,
            (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.215.14"), IPAddress.Parse("10.1.2.3") }), CancellationToken.None);

        verdict.IsForbidden.ShouldBeTrue();
    }

    [Fact]
    public async Task APublicHttpsUrl_IsAllowed()
    {
        var verdict = await Strict.CheckAsync("https://hooks.example.com/x?a=1", false,
            (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.215.14") }), CancellationToken.None);

        verdict.Url.ShouldNotBeNull().Host.ShouldBe("hooks.example.com");
        verdict.IsForbidden.ShouldBeFalse();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("/relative")]
    [InlineData("ftp://hooks.example.com/x")]
    [InlineData("http://hooks.example.com/x")]          // http needs AllowHttp
    [InlineData("https://user:pw@hooks.example.com/x")] // credentials in the URL
    [InlineData("https://hooks.example.com/x#frag")]
    public async Task AMalformedUrl_IsInvalidNotForbidden(string? url)
    {
        var verdict = await Strict.CheckAsync(url, false, (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.215.14") }), CancellationToken.None);

        verdict.Url.ShouldBeNull();
        verdict.IsForbidden.ShouldBeFalse();
        verdict.Problem.ShouldNotBeNull();
    }

    [Fact]
    public async Task Http_IsAllowedOnlyWhenConfigured()
    {
        var verdict = await Strict.CheckAsync("http://hooks.example.com/x", allowHttp: true,
            (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.215.14") }), CancellationToken.None);

        verdict.Url.ShouldNotBeNull();
    }

    [Fact]
    public async Task AnUnresolvableHost_IsInvalid()
    {
        var verdict = await Strict.CheckAsync("https://nowhere.invalid/x", false,
            (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)), CancellationToken.None);

        verdict.IsForbidden.ShouldBeFalse();
        verdict.Problem.ShouldNotBeNull().ShouldContain("does not resolve");
    }

    private static Task<IPAddress[]> NeverResolve(string host, CancellationToken ct) =>
        throw new InvalidOperationException($"A literal address needs no lookup ({host}).");
}
