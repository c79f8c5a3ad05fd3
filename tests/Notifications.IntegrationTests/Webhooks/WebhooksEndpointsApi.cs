using System.Net;
using System.Net.Http.Json;
using LedgerX.Notifications.Api.Webhooks;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

/// <summary>The endpoints API: owner-checked (someone else's is 404, as a missing id), the secret shown once, bad input
/// answered with problem+json naming the field.</summary>
[Collection(WebhooksServiceCollection.Name)]
public sealed class WebhooksEndpointsApi(WebhooksService service) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();

    private HttpClient Client => service.App.Client;

    [Fact]
    public async Task Creating_ShowsTheSecretOnce_AndReadingNeverAgain()
    {
        var owner = Callers.Customer(Callers.NewSubject());

        var created = await service.RegisterAsync(owner, _receiver, "transaction.credited", "hold.created");

        created.Secret.ShouldStartWith(WebhookSecret.Prefix);
        created.Endpoint.EventTypes.ShouldBe(["transaction.credited", "hold.created"]);
        created.Endpoint.Enabled.ShouldBeTrue();
        var read = await Client.GetAsAsync($"{WebhooksApi.Prefix}/{created.Endpoint.Id}", owner);
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Content.ReadAsStringAsync()).ShouldNotContain(created.Secret);
        var list = await Client.GetAsAsync(WebhooksApi.Prefix, owner);
        (await list.Content.ReadAsStringAsync()).ShouldNotContain(created.Secret);
    }

    [Fact]
    public async Task Listing_ShowsOnlyTheCallersEndpoints()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var mine = await service.RegisterAsync(owner, _receiver);
        await service.RegisterAsync(Callers.Customer(Callers.NewSubject()), _receiver);

        var list = await (await Client.GetAsAsync(WebhooksApi.Prefix, owner)).Content.ReadFromJsonAsync<EndpointList>(NotificationService.Json);

        list!.Items.ShouldHaveSingleItem().Id.ShouldBe(mine.Endpoint.Id);
    }

    [Fact]
    public async Task Updating_ChangesOnlyWhatIsSent_AndDeleting_RemovesIt()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var created = await service.RegisterAsync(owner, _receiver);
        var url = $"{WebhooksApi.Prefix}/{created.Endpoint.Id}";

        var patch = await Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Patch, url)
        {
            Content = JsonContent.Create(new { eventTypes = new[] { "fraud.flagged" }, enabled = false }),
        }, owner);
        patch.StatusCode.ShouldBe(HttpStatusCode.OK, await patch.Content.ReadAsStringAsync());
        var updated = (await patch.Content.ReadFromJsonAsync<EndpointView>(NotificationService.Json))!;
        updated.EventTypes.ShouldBe(["fraud.flagged"]);
        updated.Enabled.ShouldBeFalse();
        updated.Url.ShouldBe(created.Endpoint.Url);
        updated.Description.ShouldBe(created.Endpoint.Description);

        (await Client.DeleteAsAsync(url, owner)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Client.GetAsAsync(url, owner)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.DeleteAsAsync(url, owner)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SomeoneElsesEndpoint_IsNotFoundOnEveryRoute_AsAMissingOne()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var created = await service.RegisterAsync(owner, _receiver);
        var stranger = Callers.Customer(Callers.NewSubject());
        var id = created.Endpoint.Id;
        var requests = new Func<Guid, HttpRequestMessage>[]
        {
            e => new(HttpMethod.Get, $"{WebhooksApi.Prefix}/{e}"),
            e => new(HttpMethod.Patch, $"{WebhooksApi.Prefix}/{e}") { Content = JsonContent.Create(new { enabled = false }) },
            e => new(HttpMethod.Delete, $"{WebhooksApi.Prefix}/{e}"),
            e => new(HttpMethod.Post, $"{WebhooksApi.Prefix}/{e}/rotate-secret"),
            e => new(HttpMethod.Get, $"{WebhooksApi.Prefix}/{e}/deliveries"),
            e => new(HttpMethod.Post, $"{WebhooksApi.Prefix}/{e}/test"),
            e => new(HttpMethod.Post, $"{WebhooksApi.Prefix}/{e}/deliveries/{Guid.NewGuid()}/redeliver"),
        };

        foreach (var request in requests)
        {
            var theirs = await Client.SendAsAsync(request(id), stranger);
            var missing = await Client.SendAsAsync(request(Guid.NewGuid()), stranger);
            theirs.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{request(id).Method} {request(id).RequestUri}");
            (await ProblemJson.ReadAsync(theirs)).GetProperty("code").GetString().ShouldBe("webhook_endpoint_not_found");
            (await ProblemJson.ReadAsync(missing)).GetProperty("code").GetString().ShouldBe("webhook_endpoint_not_found");
        }
        (await service.EndpointAsync(owner, id)).Enabled.ShouldBeTrue(); // the stranger's PATCH changed nothing
        _receiver.Received.ShouldBeEmpty();                                // nor did their test-send send
    }

    [Fact]
    public async Task AnOperator_ReadsAnyEndpointAndItsLog_ButCannotChangeIt()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var created = await service.RegisterAsync(owner, _receiver);
        var url = $"{WebhooksApi.Prefix}/{created.Endpoint.Id}";

        (await Client.GetAsAsync(url, Callers.Operator)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Client.GetAsAsync($"{url}/deliveries", Callers.Operator)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Client.DeleteAsAsync(url, Callers.Operator)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WithoutATokenOrThePermission_NothingIsServed()
    {
        (await Client.GetAsAsync(WebhooksApi.Prefix, null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Client.GetAsAsync(WebhooksApi.Prefix, Callers.Nobody)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("{\"url\":\"ftp://example.com/x\",\"eventTypes\":[\"*\"]}", "url")]
    [InlineData("{\"url\":\"https://user:pw@example.com/x\",\"eventTypes\":[\"*\"]}", "url")]
    [InlineData("{\"url\":\"RECEIVER\",\"eventTypes\":[\"transaction.teleported\"]}", "eventTypes")]
    [InlineData("{\"url\":\"RECEIVER\",\"eventTypes\":[]}", "eventTypes")]
    [InlineData("{\"url\":\"RECEIVER\"}", "eventTypes")]
    [InlineData("{\"url\":\"RECEIVER\",\"eventTypes\":[\"*\",\"hold.created\"]}", "eventTypes")]
    public async Task BadInput_IsAValidationProblemNamingTheField(string body, string field)
    {
        var response = await Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Post, WebhooksApi.Prefix)
        {
            Content = new StringContent(body.Replace("RECEIVER", _receiver.Url, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"),
        }, Callers.Customer(Callers.NewSubject()));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await ProblemJson.ReadAsync(response);
        problem.GetProperty("code").GetString().ShouldBe("validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Fact]
    public async Task RedeliveringAnUnknownDelivery_IsNotFound()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var created = await service.RegisterAsync(owner, _receiver);

        var response = await Client.PostAsAsync($"{WebhooksApi.Prefix}/{created.Endpoint.Id}/deliveries/{Guid.NewGuid()}/redeliver", null, owner);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ProblemJson.ReadAsync(response)).GetProperty("code").GetString().ShouldBe("webhook_delivery_not_found");
    }

    [Fact]
    public async Task TheEndpointLimit_IsUnprocessable()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        for (var i = 0; i < new WebhookOptions().MaxEndpointsPerUser; i++)
        {
            await service.RegisterAsync(owner, _receiver);
        }

        var response = await Client.PostAsAsync(WebhooksApi.Prefix, new { url = _receiver.Url, eventTypes = new[] { "*" } }, owner);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await ProblemJson.ReadAsync(response)).GetProperty("code").GetString().ShouldBe("webhook_endpoint_limit");
    }

    [Fact]
    public async Task ADeliveryLogPageOutOfRange_IsAValidationProblem()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var created = await service.RegisterAsync(owner, _receiver);

        var response = await Client.GetAsAsync($"{WebhooksApi.Prefix}/{created.Endpoint.Id}/deliveries?limit=0", owner);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ProblemJson.ReadAsync(response)).GetProperty("errors").TryGetProperty("limit", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task RedeliveringOnADisabledEndpoint_IsAConflict()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var created = await service.RegisterAsync(owner, _receiver);
        var url = $"{WebhooksApi.Prefix}/{created.Endpoint.Id}";
        (await Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(new { enabled = false }) }, owner))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        var response = await Client.PostAsAsync($"{url}/deliveries/{Guid.NewGuid()}/redeliver", null, owner);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ProblemJson.ReadAsync(response)).GetProperty("code").GetString().ShouldBe("webhook_endpoint_disabled");
    }

    private sealed record EndpointList(EndpointView[] Items);
}
