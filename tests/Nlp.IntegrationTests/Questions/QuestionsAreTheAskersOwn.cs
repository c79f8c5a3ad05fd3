using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Nlp.IntegrationTests.Infrastructure;

namespace LedgerX.Nlp.IntegrationTests.Questions;

/// <summary>Someone else's question is 404 everywhere (like an unknown id); bad input is 400 naming the field and writes
/// nothing; ratings follow their rules.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class QuestionsAreTheAskersOwn(NlpService service)
{
    private HttpClient Client => service.App.Client;

    [Fact]
    public async Task AnotherUsersQuestionIsNotFoundEverywhere()
    {
        var owner = Callers.Customer();
        var id = await Client.AskAsync(owner, ScriptedAnswerer.GroceriesQuestion);
        await Client.WaitForStatusAsync(owner, id, "answered");
        var stranger = Callers.Customer();

        foreach (var response in new[]
        {
            await Client.GetAsAsync($"/api/v1/questions/{id}", stranger),
            await Client.PostAsAsync($"/api/v1/questions/{id}/cancel", null, stranger),
            await Client.PutAsAsync($"/api/v1/questions/{id}/rating", new { score = 1 }, stranger),
            await Client.GetAsAsync($"/api/v1/questions/{Guid.CreateVersion7()}", stranger),
        })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("question_not_found");
        }
        (await Client.GetFromJsonAsAsync(stranger, "/api/v1/questions"))["items"]!.AsArray().ShouldBeEmpty();
        (await Client.QuestionAsync(owner, id))["rating"].ShouldBeNull();
    }

    [Theory]
    [InlineData("""{}""", "question")]
    [InlineData("""{"question":"   "}""", "question")]
    [InlineData("""{"question":"how much?","timeZone":"Mars/Olympus"}""", "timeZone")]
    [InlineData("""{"question":"how much?","language":"fr"}""", "language")]
    [InlineData("""{"question":"how much?","userId":"someone-else"}""", "userId")]
    [InlineData("""{"question":"how much?","timeZone":7}""", "timeZone")]
    public async Task BadInputIsRefusedByFieldAndWritesNothing(string body, string field)
    {
        var caller = Callers.Customer();
        using var response = await Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/questions")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        }, caller);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        problem["errors"]!.AsObject().Select(e => e.Key).ShouldContain(k => k.Contains(field, StringComparison.OrdinalIgnoreCase), problem.ToJsonString());
        (await Client.GetFromJsonAsAsync(caller, "/api/v1/questions"))["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task AQuestionOfMoreThan500CharactersIsRefused()
    {
        var caller = Callers.Customer();
        using var response = await Client.PostAsAsync("/api/v1/questions", new { question = new string('a', 501) }, caller);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["question"].ShouldNotBeNull();
    }

    [Fact]
    public async Task OnlyAnsweredOrRefusedQuestionsAreRatedWithinBounds()
    {
        var caller = Callers.Customer();
        var text = $"block: {Guid.NewGuid()}";
        var id = await Client.AskAsync(caller, text);
        var rating = $"/api/v1/questions/{id}/rating";

        using (var early = await Client.PutAsAsync(rating, new { score = 4 }, caller))
        {
            early.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await early.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("question_not_answered");
        }
        ScriptedAnswerer.Release(text);
        await Client.WaitForStatusAsync(caller, id, "answered", "refused");

        (await Client.PutAsAsync(rating, new { score = 0 }, caller)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Client.PutAsAsync(rating, new { score = 6 }, caller)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Client.PutAsAsync(rating, new { score = 3, comment = new string('c', 1001) }, caller)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var ok = await Client.PutAsAsync(rating, new { score = 2, comment = "the period was wrong" }, caller);
        ok.StatusCode.ShouldBe(HttpStatusCode.OK, await ok.Content.ReadAsStringAsync());
        var rated = (await ok.Content.ReadFromJsonAsync<JsonObject>())!["rating"]!;
        rated["score"]!.GetValue<int>().ShouldBe(2);
        rated["comment"]!.GetValue<string>().ShouldBe("the period was wrong");

        // Operators export it with what produced the answer.
        var export = await Client.GetFromJsonAsAsync(Callers.Operator, "/api/v1/nlp/ratings?limit=1000");
        var row = export["items"]!.AsArray().Single(r => r!["questionId"]!.GetValue<Guid>() == id)!;
        row["score"]!.GetValue<int>().ShouldBe(2);
        row["question"]!.GetValue<string>().ShouldBe(text);
        row["templateVersion"]!.GetValue<string>().ShouldBe("answers-en-v1");
        (await Client.GetAsAsync("/api/v1/nlp/ratings", caller)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
