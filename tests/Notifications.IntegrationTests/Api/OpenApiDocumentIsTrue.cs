using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Api;

/// <summary>The OpenAPI document is true for the core's operations (paths under /api/v1/notifications): every status it
/// documents is produced here. A newly documented operation or status there without a request below fails. (The
/// webhooks and live modules keep their own operations' tests.)</summary>
[Collection(NotificationServiceCollection.Name)]
public sealed class OpenApiDocumentIsTrue(NotificationService service)
{
    private const string Core = "/api/v1/notifications";

    [Fact]
    public async Task EveryStatusTheDocumentPromisesIsProduced()
    {
        var client = service.App.Client;
        var customer = Callers.Customer(Callers.NewSubject());
        var preferences = $"{Core}/preferences";
        var deadLetters = $"{Core}/dead-letters";
        var replay = $"{deadLetters}/push/{Guid.CreateVersion7()}/replay";
        var produce = new Dictionary<(string Operation, int Status), Func<Task<HttpResponseMessage>>>
        {
            [("GetPreferences", 200)] = () => client.GetAsAsync(preferences, customer),
            [("GetPreferences", 401)] = () => client.GetAsAsync(preferences, null),
            [("GetPreferences", 403)] = () => client.GetAsAsync(preferences, Callers.Nobody),
            [("PutPreferences", 200)] = () => client.PutAsAsync(preferences, new { language = "en" }, customer),
            [("PutPreferences", 400)] = () => client.PutAsAsync(preferences, new { language = "xx" }, customer),
            [("PutPreferences", 401)] = () => client.PutAsAsync(preferences, new { }, null),
            [("PutPreferences", 403)] = () => client.PutAsAsync(preferences, new { }, Callers.Nobody),
            [("PutPreferences", 413)] = () => Put(preferences, $$"""{"language":"{{new string('a', 70_000)}}"}""", "application/json", customer),
            [("PutPreferences", 415)] = () => Put(preferences, "language=en", "text/plain", customer),
            [("ListNotifications", 200)] = () => client.GetAsAsync(Core, customer),
            [("ListNotifications", 400)] = () => client.GetAsAsync($"{Core}?limit=0", customer),
            [("ListNotifications", 401)] = () => client.GetAsAsync(Core, null),
            [("ListNotifications", 403)] = () => client.GetAsAsync(Core, Callers.Nobody),
            [("ListDeadLetters", 200)] = () => client.GetAsAsync(deadLetters, Callers.Operator),
            [("ListDeadLetters", 400)] = () => client.GetAsAsync($"{deadLetters}?limit=100000", Callers.Operator),
            [("ListDeadLetters", 401)] = () => client.GetAsAsync(deadLetters, null),
            [("ListDeadLetters", 403)] = () => client.GetAsAsync(deadLetters, customer),
            [("ReplayDeadLetter", 404)] = () => client.PostAsAsync(replay, null, Callers.Operator),
            [("ReplayDeadLetter", 401)] = () => client.PostAsAsync(replay, null, null),
            [("ReplayDeadLetter", 403)] = () => client.PostAsAsync(replay, null, customer),
        };
        // 202 of a replay is produced by DeadLettersAreReplayed (it needs a dead letter).
        var producedElsewhere = new HashSet<(string, int)> { ("ReplayDeadLetter", 202) };

        var document = (await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var documented = document["paths"]!.AsObject().Where(p => p.Key.StartsWith(Core, StringComparison.Ordinal))
            .SelectMany(path => path.Value!.AsObject().SelectMany(operation => operation.Value!["responses"]!.AsObject().Select(response =>
                (operation.Value!["operationId"]!.GetValue<string>(), int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)))));
        documented.ShouldBe(produce.Keys.Select(k => (k.Operation, k.Status)).Concat(producedElsewhere), ignoreOrder: true);
        foreach (var ((operation, status), send) in produce)
        {
            using var response = await send();
            ((int)response.StatusCode).ShouldBe(status, $"{operation}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private Task<HttpResponseMessage> Put(string url, string body, string mediaType, Caller caller) =>
        service.App.Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Put, url)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, mediaType),
        }, caller);
}
