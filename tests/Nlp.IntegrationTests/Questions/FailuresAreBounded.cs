using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Nlp.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Nlp.IntegrationTests.Questions;

/// <summary>What goes wrong ends: a slow answer times out, a failing one retries then is dead-lettered (and an operator
/// requeues it), a crashed worker's lease runs out and another answers, an expired or refused relayed token fails at once.</summary>
[Collection(StrictNlpServiceCollection.Name)]
public sealed class FailuresAreBounded(StrictNlpService service)
{
    private HttpClient Client => service.App.Client;

    [Fact]
    public async Task AnAnswerSlowerThanTheTimeoutFails()
    {
        var caller = Callers.Customer();
        var id = await Client.AskAsync(caller, $"hang: {Guid.NewGuid()}");

        var q = await Client.WaitForStatusAsync(caller, id, "failed", "answered", "refused");

        q["status"]!.GetValue<string>().ShouldBe("failed");
        q["error"]!["code"]!.GetValue<string>().ShouldBe("answer_timeout");
        ScriptedAnswerer.Cancelled.ShouldContainKey(id);
        q["attempts"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task ATransientFailureRetriesThenIsDeadLetteredAndAnOperatorRequeuesIt()
    {
        var caller = Callers.Customer();
        var text = $"fail: {Guid.NewGuid()}";
        ScriptedAnswerer.Failing[text] = true;
        var id = await Client.AskAsync(caller, text);

        var failed = await Client.WaitForStatusAsync(caller, id, "failed");

        failed["attempts"]!.GetValue<int>().ShouldBe(StrictNlpService.MaxAttempts);
        failed["error"]!["code"]!.GetValue<string>().ShouldBe("answer_failed");
        ScriptedAnswerer.Calls.Count(c => c.Question == id).ShouldBe(StrictNlpService.MaxAttempts);
        var deadLetters = await ListDeadLettersAsync();
        deadLetters.ShouldContain(d => d["id"]!.GetValue<Guid>() == id && d["userId"]!.GetValue<string>() == caller.Subject);
        var events = service.Published("pubsub", "nlp.question_dead_letter.v1").Select(m => m.CloudEvent!["data"]!)
            .Where(d => d["questionId"]!.GetValue<Guid>() == id).ToList();
        events.Count.ShouldBe(1);
        events[0]["errorCode"]!.GetValue<string>().ShouldBe("answer_failed");

        (await Client.PostAsAsync($"/api/v1/nlp/dead-letters/{id}/requeue", null, caller)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        ScriptedAnswerer.Failing.TryRemove(text, out _);
        using var requeue = await Client.PostAsAsync($"/api/v1/nlp/dead-letters/{id}/requeue", null, Callers.Operator);
        requeue.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var answered = await Client.WaitForStatusAsync(caller, id, "answered", "refused");
        answered["error"].ShouldBeNull();
        (await ListDeadLettersAsync()).ShouldNotContain(d => d["id"]!.GetValue<Guid>() == id);
        (await Client.PostAsAsync($"/api/v1/nlp/dead-letters/{id}/requeue", null, Callers.Operator)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ACrashedWorkersLeaseRunsOutAndTheQuestionIsAnswered()
    {
        var caller = Callers.Customer();
        var text = $"block: {Guid.NewGuid()}";
        var id = await Client.AskAsync(caller, text);
        await Client.WaitForStatusAsync(caller, id, "answering");

        // The worker that holds it dies: its lease is someone else's now and already over (what a crash leaves behind).
        await ExecuteAsync("UPDATE questions SET lease_owner = 'crashed-replica', lease_until = now() - interval '1 second' WHERE id = @id", id);
        ScriptedAnswerer.Release(text);

        var q = await Client.WaitForStatusAsync(caller, id, "answered", "refused", "failed");
        q["status"]!.GetValue<string>().ShouldNotBe("failed", q.ToJsonString());
        q["attempts"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task AnExpiredRelayedTokenFailsTheQuestion()
    {
        // Still accepted at the door (the clock skew allows it), already expired for the services the tools call.
        var caller = Callers.Customer(lifetime: TimeSpan.FromSeconds(-5));
        var id = await Client.AskAsync(caller, ScriptedAnswerer.GroceriesQuestion);

        // Read back with a fresh token of the same user: the expired one is accepted for the clock skew only.
        var q = await Client.WaitForStatusAsync(new Caller(caller.Subject, TimeSpan.FromHours(1), caller.Permissions), id, "failed", "answered");

        q["error"]!["code"]!.GetValue<string>().ShouldBe("token_expired");
        ScriptedAnswerer.Calls.ShouldNotContain(c => c.Question == id);
    }

    [Fact]
    public async Task ATokenTheToolsAreRefusedFailsAtOnceWithoutRetries()
    {
        var caller = Callers.Customer();
        var id = await Client.AskAsync(caller, $"reject: {Guid.NewGuid()}");

        var q = await Client.WaitForStatusAsync(caller, id, "failed", "answered");

        q["error"]!["code"]!.GetValue<string>().ShouldBe("token_expired");
        q["attempts"]!.GetValue<int>().ShouldBe(1);
    }

    private async Task<List<JsonObject>> ListDeadLettersAsync()
    {
        using var response = await Client.GetAsAsync("/api/v1/nlp/dead-letters", Callers.Operator);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return [.. (await response.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray().Select(i => i!.AsObject())];
    }

    private async Task ExecuteAsync(string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        (await command.ExecuteNonQueryAsync()).ShouldBe(1);
    }
}
