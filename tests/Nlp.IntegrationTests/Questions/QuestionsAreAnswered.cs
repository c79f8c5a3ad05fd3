using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LedgerX.Nlp.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Nlp.IntegrationTests.Questions;

/// <summary>A question goes queued → answering → answered through the real sidecar's pub/sub; the answer streams as the
/// asker's ephemeral live items and reads back with figures, citations and versions.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class QuestionsAreAnswered(NlpService service)
{
    private HttpClient Client => service.App.Client;

    [Fact]
    public async Task AskAnswers202AtOnceWhileTheAnswererIsSlow()
    {
        var caller = Callers.Customer();
        var text = $"block: {Guid.NewGuid()}";
        var clock = Stopwatch.StartNew();
        using var response = await Client.PostAsAsync("/api/v1/questions", new { question = text }, caller);
        clock.Stop();

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var id = body["id"]!.GetValue<Guid>();
        body["status"]!.GetValue<string>().ShouldBe("queued");
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/questions/{id}");
        // The answerer is blocked: the 202 cannot have waited for it (a generous bound for a loaded machine).
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        await Client.WaitForStatusAsync(caller, id, "answering");

        ScriptedAnswerer.Release(text);
        var answered = await Client.WaitForStatusAsync(caller, id, "answered", "refused");
        answered["finishedAt"].ShouldNotBeNull();
    }

    [Fact]
    public async Task AnsweredQuestionShowsFiguresCitationsAndVersions()
    {
        var caller = Callers.Customer();
        var id = await Client.AskAsync(caller, ScriptedAnswerer.GroceriesQuestion);

        var q = await Client.WaitForStatusAsync(caller, id, "answered");

        var answer = q["answer"]!.AsObject();
        answer["intent"]!.GetValue<string>().ShouldBe("spending_by_category");
        answer["figures"]!.AsArray().Select(f => f!["value"]!.GetValue<string>()).ShouldContain(ScriptedAnswerer.GroceriesFigure);
        answer["citations"]!.AsArray().ShouldNotBeEmpty();
        answer["citations"]!.AsArray().ShouldAllBe(c => c!["kind"]!.GetValue<string>() == "entry");
        answer["text"]!.GetValue<string>().ShouldContain(ScriptedAnswerer.GroceriesFigure);
        q["engine"]!.GetValue<string>().ShouldBe("interpreter");
        q["templateVersion"]!.GetValue<string>().ShouldBe("answers-en-v1");
        q["attempts"]!.GetValue<int>().ShouldBe(1);
        q["error"].ShouldBeNull();
    }

    [Fact]
    public async Task TheAnswerStreamsAsLiveItemsForTheAskerOnly()
    {
        var caller = Callers.Customer();
        var id = await Client.AskAsync(caller, ScriptedAnswerer.GroceriesQuestion);
        await Client.WaitForStatusAsync(caller, id, "answered");

        var items = await NlpService.EventuallyAsync(() =>
        {
            var mine = LiveItems(id);
            return Task.FromResult(mine.Any(i => i["kind"]!.GetValue<string>() == "nlp.answer_completed") ? mine : null);
        }, "the completed live item");

        items.ShouldAllBe(i => i["userId"]!.GetValue<string>() == caller.Subject && i["ephemeral"]!.GetValue<bool>() && i["schemaVersion"]!.GetValue<int>() == 1);
        items.ShouldAllBe(i => i["id"] == null && i["seq"] == null && i["expiresAt"] != null);
        foreach (var item in items)
        {
            EventSchemas.AssertValid("live.feed.v1", item.ToJsonString());
        }
        items[0]["kind"]!.GetValue<string>().ShouldBe("nlp.answer_started");
        var deltas = items.Where(i => i["kind"]!.GetValue<string>() == "nlp.answer_delta")
            .OrderBy(i => int.Parse(i["data"]!["index"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        deltas.Select(d => int.Parse(d["data"]!["index"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(Enumerable.Range(0, deltas.Count));
        string.Concat(deltas.Select(d => d["data"]!["text"]!.GetValue<string>())).ShouldContain(ScriptedAnswerer.GroceriesFigure);
        items.Single(i => i["kind"]!.GetValue<string>() == "nlp.answer_completed")["data"]!["status"]!.GetValue<string>().ShouldBe("answered");
    }

    [Fact]
    public async Task TheTokenIsNeverOnTheBrokerNorInClearInTheRow()
    {
        var caller = Callers.Customer();
        var text = $"block: {Guid.NewGuid()}";
        var id = await Client.AskAsync(caller, text);
        await Client.WaitForStatusAsync(caller, id, "answering");

        var queued = service.QueuedFor(id);
        queued.ShouldNotBeEmpty();
        foreach (var message in queued)
        {
            var stored = Encoding.UTF8.GetString(message.StoredData);
            stored.ShouldNotContain(caller.Token);
            stored.ShouldNotContain(text);
            message.CloudEvent!["data"]!.AsObject().Select(p => p.Key).ShouldBe(["schemaVersion", "questionId", "userId", "askedAt"], ignoreOrder: true);
            EventSchemas.AssertValid("nlp.question_queued.v1", message.CloudEvent!["data"]!.ToJsonString());
        }
        var sealedToken = await TokenColumnAsync(id);
        sealedToken.ShouldNotBeNull();
        sealedToken.ShouldNotContain(caller.Token);
        // The worker relays the asker's own token, decrypted.
        ScriptedAnswerer.Calls.ShouldContain(c => c.Question == id && c.Token == caller.Token);

        ScriptedAnswerer.Release(text);
        await Client.WaitForStatusAsync(caller, id, "answered", "refused");
        (await TokenColumnAsync(id)).ShouldBeNull("the token is wiped when the question is answered");
    }

    private List<JsonObject> LiveItems(Guid question) =>
        [.. service.Published("live-pubsub", "live.feed.v1").Select(m => m.CloudEvent!["data"]!.AsObject())
            .Where(d => d["data"]?["questionId"]?.GetValue<string>() == question.ToString()).OrderBy(d => d["occurredAt"]!.GetValue<DateTimeOffset>())];

    private async Task<string?> TokenColumnAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT token_protected FROM questions WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync() as string;
    }
}
