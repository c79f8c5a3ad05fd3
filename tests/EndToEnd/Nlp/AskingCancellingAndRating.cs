using LedgerX.EndToEnd.Tests.Notifications;

namespace LedgerX.EndToEnd.Tests.Nlp;

/// <summary>
/// The rest of a question's life as its asker meets it through the gateway: who may ask at all (a token, with
/// <c>nlp:ask</c>), cancelling, rating (stored for evaluation and read back by operators), and the asker's list.
/// </summary>
public sealed class AskingCancellingAndRating(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;
    private Questions Questions => new(system);

    [Fact]
    public async Task Without_a_token_the_gateway_answers_401_and_a_token_without_nlp_ask_gets_403()
    {
        var customer = await system.Identities.NewCustomerAsync();
        var narrow = await system.Identities.SignInAsync(customer.Email, Identities.CustomerPassword, "openid ledger:read ledger:write");
        using var http = system.Client();

        using var anonymous = await http.PostAsJsonAsync(Questions.Path, new { question = "What is my balance?" });
        using var withoutPermission = await Questions.PostAsync(narrow, "What is my balance?");
        using var allowed = await Questions.PostAsync(customer, "What is my balance?");

        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, await anonymous.Content.ReadAsStringAsync());
        anonymous.Headers.WwwAuthenticate.ShouldNotBeEmpty();
        withoutPermission.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await withoutPermission.Content.ReadAsStringAsync());
        withoutPermission.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        allowed.StatusCode.ShouldBe(HttpStatusCode.Accepted, await allowed.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{"question":""}""", "question")]
    [InlineData("""{"question":"What is my balance?","timeZone":"Mars/Olympus_Mons"}""", "timeZone")]
    [InlineData("""{"question":"What is my balance?","language":"fr"}""", "language")]
    [InlineData("""{"question":"What is my balance?","userId":"someone-else"}""", "userId")]
    public async Task A_bad_question_is_400_naming_the_field(string body, string field)
    {
        var customer = await system.Identities.CustomerAsync("asker");
        using var http = system.PatientClient();
        using var request = customer.Request(HttpMethod.Post, Questions.Path);
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await http.SendAsync(request);

        string text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key).ShouldContain(k => k.Contains(field, StringComparison.OrdinalIgnoreCase), text);
    }

    [Fact]
    public async Task A_question_cancelled_before_it_is_answered_stays_cancelled_and_unrated_and_a_finished_one_cannot_be_cancelled()
    {
        var customer = await system.Identities.NewCustomerAsync();
        await using var feed = await LiveFeedSocket.OpenAsync(system, customer);
        var asked = await Questions.AskAsync(customer, "What is my balance?");
        string id = Questions.Id(asked);

        // The interpreter answers in milliseconds: the cancel may come too late. Either way the outcome must be
        // consistent, and the question never both cancelled and answered.
        using var cancel = await SendAsync(customer, HttpMethod.Post, $"{Questions.Path}/{id}/cancel");
        string cancelBody = await cancel.Content.ReadAsStringAsync();
        var final = await Questions.FinalAsync(customer, id);
        if (cancel.StatusCode == HttpStatusCode.OK)
        {
            Questions.Status(final).ShouldBe("cancelled", final.ToJsonString());
            final["answer"]?["figures"]?.AsArray().ShouldBeEmpty();
        }
        else
        {
            cancel.StatusCode.ShouldBe(HttpStatusCode.Conflict, cancelBody);
            JsonNode.Parse(cancelBody)!["code"]!.GetValue<string>().ShouldBe("question_finished");
            Questions.Status(final).ShouldBe("answered", final.ToJsonString());
        }

        using var again = await SendAsync(customer, HttpMethod.Post, $"{Questions.Path}/{id}/cancel");
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict, await again.Content.ReadAsStringAsync());
        JsonNode.Parse(await again.Content.ReadAsStringAsync())!["code"]!.GetValue<string>().ShouldBe("question_finished");
        var completions = feed.Frames.Where(f => f["kind"]?.GetValue<string>() == "nlp.answer_completed" && f["data"]?["questionId"]?.GetValue<string>() == id).ToList();
        completions.ShouldAllBe(f => f["data"]!["status"]!.GetValue<string>() == Questions.Status(final), "the live feed never contradicts the stored question");

        // Only answered (or refused) questions are rated: a cancelled one has nothing to rate.
        using var rated = await SendAsync(customer, HttpMethod.Put, $"{Questions.Path}/{id}/rating", new { score = 5 });
        if (Questions.Status(final) == "cancelled")
        {
            rated.StatusCode.ShouldBe(HttpStatusCode.Conflict, await rated.Content.ReadAsStringAsync());
            JsonNode.Parse(await rated.Content.ReadAsStringAsync())!["code"]!.GetValue<string>().ShouldBe("question_not_answered");
        }
        else
        {
            rated.StatusCode.ShouldBe(HttpStatusCode.OK, await rated.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task An_answer_is_rated_once_read_back_by_its_asker_and_exported_to_operators_while_bad_ratings_are_refused()
    {
        var customer = await system.Identities.NewCustomerAsync();
        var answered = await Questions.AskAndWaitAsync(customer, "What is my balance?");
        string id = Questions.Id(answered);
        Questions.Status(answered).ShouldBe("answered", answered.ToJsonString());
        string comment = "e2e " + Guid.NewGuid().ToString("N");

        using var rated = await SendAsync(customer, HttpMethod.Put, $"{Questions.Path}/{id}/rating", new { score = 4, comment });
        using var tooHigh = await SendAsync(customer, HttpMethod.Put, $"{Questions.Path}/{id}/rating", new { score = 6 });
        using var tooLong = await SendAsync(customer, HttpMethod.Put, $"{Questions.Path}/{id}/rating", new { score = 3, comment = new string('x', 1001) });

        rated.StatusCode.ShouldBe(HttpStatusCode.OK, await rated.Content.ReadAsStringAsync());
        tooHigh.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await tooHigh.Content.ReadAsStringAsync());
        tooLong.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await tooLong.Content.ReadAsStringAsync());
        var read = await Ledger.SendOkAsync(customer, HttpMethod.Get, $"{Questions.Path}/{id}", null, HttpStatusCode.OK);
        read["rating"].ShouldNotBeNull(read.ToJsonString());
        read["rating"]!.ToJsonString().ShouldContain("4");

        var admin = await system.Identities.AdminAsync();
        await Eventually.SucceedsAsync(async () =>
        {
            var export = await Ledger.SendOkAsync(admin, HttpMethod.Get, "/api/v1/nlp/ratings?limit=100", null, HttpStatusCode.OK);
            var mine = export["items"]!.AsArray().SingleOrDefault(r => r!.ToJsonString().Contains(comment, StringComparison.Ordinal));
            mine.ShouldNotBeNull(export.ToJsonString());
            mine.ToJsonString().ShouldContain(id);
            mine.ToJsonString().ShouldContain("answers-en");
        }, Questions.Patience);

        var list = await Ledger.SendOkAsync(customer, HttpMethod.Get, $"{Questions.Path}?limit=10", null, HttpStatusCode.OK);
        list["items"]!.AsArray().Select(q => q!["id"]!.GetValue<string>()).ShouldContain(id);
    }

    private async Task<HttpResponseMessage> SendAsync(Caller caller, HttpMethod method, string url, object? body = null)
    {
        using var http = system.PatientClient();
        using var request = caller.Request(method, url, body);
        return await http.SendAsync(request);
    }
}
