using System.Net;
using System.Net.Http.Json;
using LedgerX.Notifications.Api.Webhooks;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

/// <summary>
/// notification-service as deployed (no private network allowed, https only) refuses webhook URLs that reach the
/// platform's own network: cloud metadata, private ranges, loopback by literal or by name, the unspecified address.
/// Its own instance, because the shared fixture opens loopback for its test receivers.
/// </summary>
public sealed class WebhooksSsrf : IAsyncLifetime
{
    private NotificationsApp _app = null!;
    private string _database = "";

    public async ValueTask InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("notifit_ssrf");
        _app = new NotificationsApp(SidecarPorts.Free(), _database);
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/iam/security-credentials/")]
    [InlineData("https://10.0.0.1/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://localhost/hook")]        // a name that resolves to loopback
    [InlineData("https://127.0.0.1:8080/hook")]   // the gateway's own port
    [InlineData("https://[::1]/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("https://[::ffff:169.254.169.254]/hook")]
    public async Task AUrlIntoThePlatformsNetwork_IsRefusedNamingTheField(string url)
    {
        var owner = Callers.Customer(Callers.NewSubject());

        var response = await _app.Client.PostAsAsync(WebhooksApi.Prefix, new { url, eventTypes = new[] { "*" } }, owner);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await ProblemJson.ReadAsync(response);
        problem.GetProperty("code").GetString().ShouldBe(WebhooksApi.UrlForbiddenCode);
        problem.GetProperty("errors").GetProperty("url")[0].GetString().ShouldNotBeNull().ShouldContain("public addresses");
        var list = await (await _app.Client.GetAsAsync(WebhooksApi.Prefix, owner)).Content.ReadFromJsonAsync<EndpointListView>(NotificationService.Json);
        list!.Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task MovingAnEndpointIntoThePlatformsNetwork_IsRefusedToo()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var id = Guid.NewGuid();

        var response = await _app.Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Patch, $"{WebhooksApi.Prefix}/{id}")
        {
            Content = JsonContent.Create(new { url = "https://169.254.169.254/" }),
        }, owner);

        // The URL is judged before the endpoint is looked up, so even a probe with a made-up id learns nothing else.
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ProblemJson.ReadAsync(response)).GetProperty("code").GetString().ShouldBe(WebhooksApi.UrlForbiddenCode);
    }

    [Fact]
    public async Task PlainHttp_IsRefusedUnlessConfigured()
    {
        var response = await _app.Client.PostAsAsync(WebhooksApi.Prefix,
            new { url = "http://93.184.215.14/hook", eventTypes = new[] { "*" } }, Callers.Customer(Callers.NewSubject()));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await ProblemJson.ReadAsync(response);
        problem.GetProperty("code").GetString().ShouldBe("validation");
        problem.GetProperty("errors").GetProperty("url")[0].GetString().ShouldNotBeNull().ShouldContain("https");
    }

    private sealed record EndpointListView(EndpointView[] Items);
}
