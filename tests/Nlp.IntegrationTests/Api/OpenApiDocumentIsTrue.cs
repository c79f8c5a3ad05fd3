using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Nlp.IntegrationTests.Infrastructure;

namespace LedgerX.Nlp.IntegrationTests.Api;

/// <summary>The OpenAPI document is true: every status it documents for nlp-service's operations is produced here (or by
/// the named test that needs more state). A newly documented operation or status without a request below fails.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class OpenApiDocumentIsTrue(NlpService service)
{
    [Fact]
    public async Task EveryStatusTheDocumentPromisesIsProduced()
    {
        var client = service.App.Client;
        var customer = Callers.Customer();
        var answered = await client.AskAsync(customer, ScriptedAnswerer.GroceriesQuestion);
        await client.WaitForStatusAsync(customer, answered, "answered");
        var blocked = $"block: {Guid.NewGuid()}";
        var pending = await client.AskAsync(customer, blocked);
        var unknown = Guid.CreateVersion7();
        const string questions = "/api/v1/questions";
        var produce = new Dictionary<(string Operation, int Status), Func<Task<HttpResponseMessage>>>
        {
            [("AskQuestion", 400)] = () => client.PostAsAsync(questions, new { question = "" }, customer),
            [("AskQuestion", 401)] = () => client.PostAsAsync(questions, new { question = "hi" }, null),
            [("AskQuestion", 403)] = () => client.PostAsAsync(questions, new { question = "hi" }, Callers.Nobody),
            [("AskQuestion", 413)] = () => Send(HttpMethod.Post, questions, $$"""{"question":"{{new string('a', 300_000)}}"}""", "application/json", customer),
            [("AskQuestion", 415)] = () => Send(HttpMethod.Post, questions, "question=hi", "text/plain", customer),
            [("ListQuestions", 200)] = () => client.GetAsAsync(questions, customer),
            [("ListQuestions", 400)] = () => client.GetAsAsync($"{questions}?limit=0", customer),
            [("ListQuestions", 401)] = () => client.GetAsAsync(questions, null),
            [("ListQuestions", 403)] = () => client.GetAsAsync(questions, Callers.Nobody),
            [("GetQuestion", 200)] = () => client.GetAsAsync($"{questions}/{answered}", customer),
            [("GetQuestion", 404)] = () => client.GetAsAsync($"{questions}/{unknown}", customer),
            [("GetQuestion", 401)] = () => client.GetAsAsync($"{questions}/{answered}", null),
            [("GetQuestion", 403)] = () => client.GetAsAsync($"{questions}/{answered}", Callers.Nobody),
            [("CancelQuestion", 404)] = () => client.PostAsAsync($"{questions}/{unknown}/cancel", null, customer),
            [("CancelQuestion", 409)] = () => client.PostAsAsync($"{questions}/{answered}/cancel", null, customer),
            [("CancelQuestion", 401)] = () => client.PostAsAsync($"{questions}/{answered}/cancel", null, null),
            [("CancelQuestion", 403)] = () => client.PostAsAsync($"{questions}/{answered}/cancel", null, Callers.Nobody),
            [("RateAnswer", 200)] = () => client.PutAsAsync($"{questions}/{answered}/rating", new { score = 5 }, customer),
            [("RateAnswer", 400)] = () => client.PutAsAsync($"{questions}/{answered}/rating", new { score = 9 }, customer),
            [("RateAnswer", 404)] = () => client.PutAsAsync($"{questions}/{unknown}/rating", new { score = 5 }, customer),
            [("RateAnswer", 409)] = () => client.PutAsAsync($"{questions}/{pending}/rating", new { score = 5 }, customer),
            [("RateAnswer", 401)] = () => client.PutAsAsync($"{questions}/{answered}/rating", new { score = 5 }, null),
            [("RateAnswer", 403)] = () => client.PutAsAsync($"{questions}/{answered}/rating", new { score = 5 }, Callers.Nobody),
            [("RateAnswer", 413)] = () => Send(HttpMethod.Put, $"{questions}/{answered}/rating", $$"""{"comment":"{{new string('a', 300_000)}}"}""", "application/json", customer),
            [("RateAnswer", 415)] = () => Send(HttpMethod.Put, $"{questions}/{answered}/rating", "score=5", "text/plain", customer),
            [("ListQuestionDeadLetters", 200)] = () => client.GetAsAsync("/api/v1/nlp/dead-letters", Callers.Operator),
            [("ListQuestionDeadLetters", 400)] = () => client.GetAsAsync("/api/v1/nlp/dead-letters?limit=0", Callers.Operator),
            [("ListQuestionDeadLetters", 401)] = () => client.GetAsAsync("/api/v1/nlp/dead-letters", null),
            [("ListQuestionDeadLetters", 403)] = () => client.GetAsAsync("/api/v1/nlp/dead-letters", customer),
            [("RequeueQuestion", 404)] = () => client.PostAsAsync($"/api/v1/nlp/dead-letters/{unknown}/requeue", null, Callers.Operator),
            [("RequeueQuestion", 401)] = () => client.PostAsAsync($"/api/v1/nlp/dead-letters/{unknown}/requeue", null, null),
            [("RequeueQuestion", 403)] = () => client.PostAsAsync($"/api/v1/nlp/dead-letters/{unknown}/requeue", null, customer),
            [("ExportRatings", 200)] = () => client.GetAsAsync("/api/v1/nlp/ratings", Callers.Operator),
            [("ExportRatings", 400)] = () => client.GetAsAsync("/api/v1/nlp/ratings?limit=0", Callers.Operator),
            [("ExportRatings", 401)] = () => client.GetAsAsync("/api/v1/nlp/ratings", null),
            [("ExportRatings", 403)] = () => client.GetAsAsync("/api/v1/nlp/ratings", customer),
        };
        // Produced by the tests that set up their state: 202 and 429 of an ask (QuestionsAreAnswered,
        // QuestionsAreCancelledAndLimited), 200 of a cancel (the same), 202 of a requeue (FailuresAreBounded).
        var producedElsewhere = new HashSet<(string, int)> { ("AskQuestion", 202), ("AskQuestion", 429), ("CancelQuestion", 200), ("RequeueQuestion", 202) };

        var document = (await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var documented = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().SelectMany(operation => operation.Value!["responses"]!.AsObject().Select(response =>
                (operation.Value!["operationId"]!.GetValue<string>(), int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)))));
        documented.ShouldBe(produce.Keys.Select(k => (k.Operation, k.Status)).Concat(producedElsewhere), ignoreOrder: true);
        foreach (var ((operation, status), send) in produce)
        {
            using var response = await send();
            ((int)response.StatusCode).ShouldBe(status, $"{operation}: {await response.Content.ReadAsStringAsync()}");
        }
        ScriptedAnswerer.Release(blocked);
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string url, string body, string mediaType, Caller caller) =>
        service.App.Client.SendAsAsync(new HttpRequestMessage(method, url)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, mediaType),
        }, caller);
}
