using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LedgerX.Notifications.Api.Webhooks;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

/// <summary>The OpenAPI document is true for the webhooks operations (paths under /api/v1/webhooks): every status it
/// documents is produced here, and nothing is documented that is not.</summary>
[Collection(WebhooksServiceCollection.Name)]
public sealed class WebhooksOpenApiDocumentIsTrue(WebhooksService service)
{
    [Fact]
    public async Task EveryStatusTheDocumentPromisesIsProduced()
    {
        var client = service.App.Client;
        await using var receiver = await WebhookReceiver.StartAsync();
        var owner = Callers.Customer(Callers.NewSubject());
        var endpoint = (await service.RegisterAsync(owner, receiver)).Endpoint.Id;
        var disabledOwner = Callers.Customer(Callers.NewSubject());
        var disabled = (await service.RegisterAsync(disabledOwner, receiver)).Endpoint.Id;
        (await Patch($"{WebhooksApi.Prefix}/{disabled}", """{"enabled":false}""", "application/json", disabledOwner)).EnsureSuccessStatusCode();
        (await client.PostAsAsync($"{WebhooksApi.Prefix}/{endpoint}/test", null, owner)).EnsureSuccessStatusCode();
        var delivery = (await service.LogWhenAsync(owner, endpoint, l => l.Items.Length == 1, "the test delivery")).Items[0].Id;
        var full = Callers.Customer(Callers.NewSubject());
        for (var i = 0; i < new WebhookOptions().MaxEndpointsPerUser; i++)
        {
            await service.RegisterAsync(full, receiver);
        }
        var one = $"{WebhooksApi.Prefix}/{endpoint}";
        var valid = new { url = receiver.Url, eventTypes = new[] { "*" } };

        var operations = new Dictionary<string, Func<Caller?, Task<HttpResponseMessage>>>
        {
            ["CreateWebhookEndpoint"] = c => client.PostAsAsync(WebhooksApi.Prefix, valid, c),
            ["ListWebhookEndpoints"] = c => client.GetAsAsync(WebhooksApi.Prefix, c),
            ["GetWebhookEndpoint"] = c => client.GetAsAsync(one, c),
            ["UpdateWebhookEndpoint"] = c => Patch(one, """{"description":"x"}""", "application/json", c),
            ["DeleteWebhookEndpoint"] = c => client.DeleteAsAsync($"{WebhooksApi.Prefix}/{Guid.NewGuid()}", c),
            ["RotateWebhookSecret"] = c => client.PostAsAsync($"{one}/rotate-secret", null, c),
            ["ListWebhookDeliveries"] = c => client.GetAsAsync($"{one}/deliveries", c),
            ["RedeliverWebhook"] = c => client.PostAsAsync($"{one}/deliveries/{delivery}/redeliver", null, c),
            ["TestWebhook"] = c => client.PostAsAsync($"{one}/test", null, c),
        };
        var produce = new Dictionary<(string Operation, int Status), Func<Task<HttpResponseMessage>>>
        {
            [("CreateWebhookEndpoint", 201)] = () => operations["CreateWebhookEndpoint"](owner),
            [("CreateWebhookEndpoint", 400)] = () => client.PostAsAsync(WebhooksApi.Prefix, new { url = "ftp://x", eventTypes = new[] { "*" } }, owner),
            [("CreateWebhookEndpoint", 413)] = () => Post(WebhooksApi.Prefix, $$"""{"url":"{{new string('a', 70_000)}}"}""", "application/json", owner),
            [("CreateWebhookEndpoint", 415)] = () => Post(WebhooksApi.Prefix, "url=x", "text/plain", owner),
            [("CreateWebhookEndpoint", 422)] = () => operations["CreateWebhookEndpoint"](full),
            [("ListWebhookEndpoints", 200)] = () => operations["ListWebhookEndpoints"](owner),
            [("GetWebhookEndpoint", 200)] = () => operations["GetWebhookEndpoint"](owner),
            [("GetWebhookEndpoint", 404)] = () => client.GetAsAsync($"{WebhooksApi.Prefix}/{Guid.NewGuid()}", owner),
            [("UpdateWebhookEndpoint", 200)] = () => operations["UpdateWebhookEndpoint"](owner),
            [("UpdateWebhookEndpoint", 400)] = () => Patch(one, """{"eventTypes":["nope"]}""", "application/json", owner),
            [("UpdateWebhookEndpoint", 404)] = () => Patch($"{WebhooksApi.Prefix}/{Guid.NewGuid()}", "{}", "application/json", owner),
            [("UpdateWebhookEndpoint", 413)] = () => Patch(one, $$"""{"description":"{{new string('a', 70_000)}}"}""", "application/json", owner),
            [("UpdateWebhookEndpoint", 415)] = () => Patch(one, "description=x", "text/plain", owner),
            [("DeleteWebhookEndpoint", 204)] = async () => await client.DeleteAsAsync(
                $"{WebhooksApi.Prefix}/{(await service.RegisterAsync(owner, receiver)).Endpoint.Id}", owner),
            [("DeleteWebhookEndpoint", 404)] = () => operations["DeleteWebhookEndpoint"](owner),
            [("RotateWebhookSecret", 200)] = () => operations["RotateWebhookSecret"](owner),
            [("RotateWebhookSecret", 404)] = () => client.PostAsAsync($"{WebhooksApi.Prefix}/{Guid.NewGuid()}/rotate-secret", null, owner),
            [("ListWebhookDeliveries", 200)] = () => operations["ListWebhookDeliveries"](owner),
            [("ListWebhookDeliveries", 400)] = () => client.GetAsAsync($"{one}/deliveries?limit=0", owner),
            [("ListWebhookDeliveries", 404)] = () => client.GetAsAsync($"{WebhooksApi.Prefix}/{Guid.NewGuid()}/deliveries", owner),
            [("RedeliverWebhook", 202)] = () => operations["RedeliverWebhook"](owner),
            [("RedeliverWebhook", 404)] = () => client.PostAsAsync($"{one}/deliveries/{Guid.NewGuid()}/redeliver", null, owner),
            [("RedeliverWebhook", 409)] = () => client.PostAsAsync($"{WebhooksApi.Prefix}/{disabled}/deliveries/{delivery}/redeliver", null, disabledOwner),
            [("TestWebhook", 202)] = () => operations["TestWebhook"](owner),
            [("TestWebhook", 404)] = () => client.PostAsAsync($"{WebhooksApi.Prefix}/{Guid.NewGuid()}/test", null, owner),
            [("TestWebhook", 409)] = () => client.PostAsAsync($"{WebhooksApi.Prefix}/{disabled}/test", null, disabledOwner),
        };
        foreach (var (operation, send) in operations)
        {
            produce[(operation, 401)] = () => send(null);
            produce[(operation, 403)] = () => send(Callers.Nobody);
        }

        var document = (await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var documented = document["paths"]!.AsObject().Where(p => p.Key.StartsWith(WebhooksApi.Prefix, StringComparison.Ordinal))
            .SelectMany(path => path.Value!.AsObject().SelectMany(operation => operation.Value!["responses"]!.AsObject().Select(response =>
                (operation.Value!["operationId"]!.GetValue<string>(), int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)))))
            .ToList();
        documented.ShouldBe(produce.Keys.Select(k => (k.Operation, k.Status)), ignoreOrder: true);
        foreach (var ((operation, status), send) in produce)
        {
            using var response = await send();
            ((int)response.StatusCode).ShouldBe(status, $"{operation}: {await response.Content.ReadAsStringAsync()}");
        }

        Task<HttpResponseMessage> Post(string url, string body, string type, Caller caller) =>
            client.SendAsAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, type) }, caller);
    }

    private Task<HttpResponseMessage> Patch(string url, string body, string type, Caller? caller) =>
        service.App.Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Patch, url) { Content = new StringContent(body, Encoding.UTF8, type) }, caller);
}
