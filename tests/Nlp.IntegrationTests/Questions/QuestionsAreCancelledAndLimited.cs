using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Nlp.IntegrationTests.Infrastructure;

namespace LedgerX.Nlp.IntegrationTests.Questions;

/// <summary>Cancellation stops an answer at its next streamed piece; one user has at most Nlp:MaxActiveQuestionsPerUser
/// unfinished questions.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class QuestionsAreCancelledAndLimited(NlpService service)
{
    private HttpClient Client => service.App.Client;

    [Fact]
    public async Task CancelWhileAnsweringStopsTheAnswer()
    {
        var caller = Callers.Customer();
        var id = await Client.AskAsync(caller, $"stream: {Guid.NewGuid()}");
        await Client.WaitForStatusAsync(caller, id, "answering");

        using var cancel = await Client.PostAsAsync($"/api/v1/questions/{id}/cancel", null, caller);

        cancel.StatusCode.ShouldBe(HttpStatusCode.OK, await cancel.Content.ReadAsStringAsync());
        (await cancel.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>().ShouldBe("cancelled");
        await NlpService.EventuallyAsync(() => Task.FromResult<object?>(ScriptedAnswerer.Cancelled.ContainsKey(id) ? new object() : null),
            "the answerer to observe the cancellation");
        // The stream stopped: no piece is published after the completed item, which says cancelled.
        var completed = await NlpService.EventuallyAsync(() => Task.FromResult(service.Published("live-pubsub", "live.feed.v1")
            .Select(m => m.CloudEvent!["data"]!.AsObject())
            .FirstOrDefault(d => d["kind"]!.GetValue<string>() == "nlp.answer_completed" && d["data"]!["questionId"]!.GetValue<string>() == id.ToString())),
            "the completed live item");
        completed["data"]!["status"]!.GetValue<string>().ShouldBe("cancelled");
        (await Client.QuestionAsync(caller, id))["status"]!.GetValue<string>().ShouldBe("cancelled");

        using var again = await Client.PostAsAsync($"/api/v1/questions/{id}/cancel", null, caller);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("question_finished");
    }

    [Fact]
    public async Task AUserHasAtMostThreeUnfinishedQuestions()
    {
        var caller = Callers.Customer();
        var blockers = Enumerable.Range(0, 3).Select(_ => $"block: {Guid.NewGuid()}").ToList();
        foreach (var text in blockers)
        {
            await Client.AskAsync(caller, text);
        }

        using var fourth = await Client.PostAsAsync("/api/v1/questions", new { question = ScriptedAnswerer.GroceriesQuestion }, caller);

        fourth.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, await fourth.Content.ReadAsStringAsync());
        (await fourth.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("too_many_questions");
        fourth.Headers.RetryAfter.ShouldNotBeNull();

        // Another user is not held back by this one.
        var other = Callers.Customer();
        var theirs = await Client.AskAsync(other, ScriptedAnswerer.GroceriesQuestion);
        await Client.WaitForStatusAsync(other, theirs, "answered");

        // Cancelling one frees a place.
        var page = (await Client.GetFromJsonAsAsync(caller, "/api/v1/questions"))["items"]!.AsArray();
        var first = page.Last()!["id"]!.GetValue<Guid>();
        using var cancel = await Client.PostAsAsync($"/api/v1/questions/{first}/cancel", null, caller);
        cancel.StatusCode.ShouldBe(HttpStatusCode.OK);
        var fifth = await Client.AskAsync(caller, ScriptedAnswerer.GroceriesQuestion);
        await Client.WaitForStatusAsync(caller, fifth, "answered");
        foreach (var text in blockers)
        {
            ScriptedAnswerer.Release(text);
        }
    }
}

internal static class JsonGets
{
    public static async Task<JsonObject> GetFromJsonAsAsync(this HttpClient client, Caller caller, string url)
    {
        using var response = await client.GetAsAsync(url, caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
