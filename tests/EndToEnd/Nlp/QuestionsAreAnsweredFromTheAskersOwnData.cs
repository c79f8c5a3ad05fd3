using LedgerX.EndToEnd.Tests.Notifications;

namespace LedgerX.EndToEnd.Tests.Nlp;

/// <summary>
/// Issue 17's headline through the whole system: a customer with two accounts and categorised movements asks through
/// the gateway; the question is accepted at once (202, queued: nothing is answered on the request thread), its answer
/// streams to the customer's live WebSocket piece by piece, and the stored answer's figures are what the ledger holds,
/// citing exactly the entries they add up. Everything the answer says comes from the asker's own data, read by
/// nlp-service's tools through Dapr service invocation with the asker's token.
/// </summary>
public sealed class QuestionsAreAnsweredFromTheAskersOwnData(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;
    private Questions Questions => new(system);

    [Fact]
    public async Task A_question_is_accepted_at_once_streamed_to_the_askers_socket_and_answered_with_the_ledgers_figures_and_entries()
    {
        var household = await new Households(system).NewAsync();
        await using var feed = await LiveFeedSocket.OpenAsync(system, household.Customer);

        using var posted = await Questions.PostAsync(household.Customer, "How much did I spend on groceries this month?");

        string body = await posted.Content.ReadAsStringAsync();
        posted.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        var accepted = JsonNode.Parse(body)!.AsObject();
        Questions.Status(accepted).ShouldBe("queued", "the request thread only queues the question");
        string id = Questions.Id(accepted);
        posted.Headers.Location!.ToString().ShouldEndWith($"{Questions.Path}/{id}");

        var completed = (await feed.WaitForAsync(f => Kind(f) == "nlp.answer_completed" && QuestionOf(f) == id, "nlp.answer_completed", Questions.Patience)).ShouldHaveSingleItem();
        completed["data"]!["status"]!.GetValue<string>().ShouldBe("answered");
        completed["id"].ShouldBeNull("answer items are ephemeral: no feed id, never replayed");
        var question = await Questions.FinalAsync(household.Customer, id);
        Questions.Status(question).ShouldBe("answered", question.ToJsonString());
        feed.Frames.ShouldContain(f => Kind(f) == "nlp.answer_started" && QuestionOf(f) == id);
        var streamed = string.Concat(feed.Frames.Where(f => Kind(f) == "nlp.answer_delta" && QuestionOf(f) == id)
            .OrderBy(f => int.Parse(f["data"]!["index"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture))
            .Select(f => f["data"]!["text"]!.GetValue<string>()));
        streamed.ShouldBe(Questions.Text(question), "the pieces on the socket make up the stored answer");

        question["answer"]!["intent"]!.GetValue<string>().ShouldBe("spending_by_category");
        question["engine"]!.GetValue<string>().ShouldBe("interpreter");
        question["templateVersion"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        Questions.Figures(question).ShouldBe([KeyValuePair.Create("spent.groceries.EUR", Questions.Money(household.Groceries))]);
        Questions.Cited(question, "entry").ShouldBe(household.GroceryEntries, ignoreOrder: true);
        Questions.Text(question).ShouldContain(Questions.Money(household.Groceries));
    }

    [Fact]
    public async Task The_balance_is_the_ledgers_balance_of_each_of_the_askers_accounts()
    {
        var household = await new Households(system).NewAsync();

        var question = await Questions.AskAndWaitAsync(household.Customer, "What is my balance?");

        Questions.Status(question).ShouldBe("answered", question.ToJsonString());
        var balances = Questions.Figures(question).Select(f => f.Value).ToList();
        balances.ShouldBe([Questions.Money(await Ledger.BalanceAsync(household.Checking)), Questions.Money(await Ledger.BalanceAsync(household.Savings))], ignoreOrder: true);
        Questions.Cited(question, "account").ShouldBe([household.Checking, household.Savings], ignoreOrder: true);
    }

    [Fact]
    public async Task A_question_outside_what_can_be_answered_is_refused_without_a_figure()
    {
        var household = await new Households(system).NewAsync();

        var question = await Questions.AskAndWaitAsync(household.Customer, "Should I buy bitcoin next week?");

        Questions.Status(question).ShouldBe("refused", question.ToJsonString());
        question["answer"]!["refusal"]!["code"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        Questions.Figures(question).ShouldBeEmpty();
        Questions.Cited(question).ShouldBeEmpty();
    }

    internal static string? Kind(JsonObject frame) => frame["kind"]?.GetValue<string>();

    internal static string? QuestionOf(JsonObject frame) => frame["data"]?["questionId"]?.GetValue<string>();
}
