using System.Net;
using System.Net.Sockets;
using LedgerX.Notifications.Api.Webhooks;

namespace LedgerX.Notifications.UnitTests.Webhooks;

/// <summary>The connect-time half of the SSRF guard, against a real listener on loopback: what is dialled is checked.</summary>
public sealed class WebhookHttpTests : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public WebhookHttpTests() => _listener.Start();

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    [Fact]
    public async Task ARebindingName_ThatResolvesPrivateAtConnectTime_IsNeverDialled()
    {
        // Registration saw a public address; at send time the name answers loopback (DNS rebinding).
        using var http = new HttpClient(WebhookHttp.CreateHandler(new SsrfGuard([]), TimeSpan.FromSeconds(5),
            (_, _) => Task.FromResult(new[] { IPAddress.Loopback })));

        var failure = await Should.ThrowAsync<HttpRequestException>(() => http.PostAsync($"http://rebind.example:{Port}/", new StringContent("{}"), TestContext.Current.CancellationToken));

        failure.GetBaseException().ShouldBeOfType<WebhookAddressForbiddenException>();
        _listener.Pending().ShouldBeFalse();
    }

    [Fact]
    public async Task ALiteralPrivateAddress_IsNeverDialled()
    {
        using var http = new HttpClient(WebhookHttp.CreateHandler(new SsrfGuard([]), TimeSpan.FromSeconds(5)));

        var failure = await Should.ThrowAsync<HttpRequestException>(() => http.PostAsync($"http://127.0.0.1:{Port}/", new StringContent("{}"), TestContext.Current.CancellationToken));

        failure.GetBaseException().ShouldBeOfType<WebhookAddressForbiddenException>();
        _listener.Pending().ShouldBeFalse();
    }

    [Fact]
    public async Task AnAllowedRange_IsDialled()
    {
        using var http = new HttpClient(WebhookHttp.CreateHandler(new SsrfGuard([IPNetwork.Parse("127.0.0.0/8")]), TimeSpan.FromSeconds(5)))
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var send = http.PostAsync($"http://127.0.0.1:{Port}/", new StringContent("{}"), TestContext.Current.CancellationToken);

        using var accepted = await _listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        accepted.Connected.ShouldBeTrue();
        accepted.Close();
        await Should.ThrowAsync<HttpRequestException>(() => send);
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
