using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Tools;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;
using LedgerX.Nlp.IntegrationTests.Tools.Infrastructure;
using static LedgerX.Nlp.IntegrationTests.Tools.ToolAgreement;

namespace LedgerX.Nlp.IntegrationTests.Tools;

/// <summary>
/// The tools over Dapr service invocation, against the real ledger and fraud-service, say exactly what the reference
/// tools (the specification) say over the same data: every tool, for both customers, over periods, filters, accounts
/// and ids, including the edges (an end is exclusive, an instant before anything, a period with nothing in it).
/// </summary>
[Collection(LedgerAndFraudCollection.Name)]
public sealed class DaprToolsAgreeWithReferenceTools(LedgerAndFraud apps)
{
    private TwoCustomers S => apps.Scenario;

    public static TheoryData<string> Customers => ["alice", "bob"];

    private string User(string who) => who == "alice" ? S.Alice : S.Bob;

    [Theory]
    [MemberData(nameof(Customers))]
    public async Task AnalyticsTools_Agree(string who)
    {
        var (user, reference, dapr) = (AskerOf(User(who)), Reference(apps), DaprTools(apps, User(who)));
        var (all, early, late, before) = Periods(S);
        foreach (var request in new SpendingByCategoryRequest[]
                 {
                     new(all, null, null, null), new(all, "groceries", null, null), new(all, null, "REWE", null), new(all, "shopping", null, null),
                     new(late, null, null, S.AliceEveryday), new(early, null, null, null), new(all, null, null, S.AliceSavings), new(before, null, null, null),
                 })
        {
            (await dapr.Analytics.SpendingByCategoryAsync(user, request, default))
                .ShouldAgree(await reference.Analytics.SpendingByCategoryAsync(user, request, default), $"spending {request}");
        }
        foreach (var request in new IncomeVsSpendingRequest[] { new(all, null), new(late, null), new(early, S.AliceEveryday), new(all, S.AliceSavings), new(before, null) })
        {
            (await dapr.Analytics.IncomeVsSpendingAsync(user, request, default))
                .ShouldAgree(await reference.Analytics.IncomeVsSpendingAsync(user, request, default), $"income vs spending {request}");
        }
        foreach (var request in new TopCounterpartiesRequest[] { new(all, 3, null), new(all, 10, S.AliceEveryday), new(late, 1, null) })
        {
            (await dapr.Analytics.TopCounterpartiesAsync(user, request, default))
                .ShouldAgree(await reference.Analytics.TopCounterpartiesAsync(user, request, default), $"top counterparties {request}");
        }
        foreach (var request in new MonthOverMonthRequest[] { new(late, early, null, null), new(late, early, "groceries", null), new(early, before, null, S.AliceEveryday) })
        {
            (await dapr.Analytics.MonthOverMonthAsync(user, request, default))
                .ShouldAgree(await reference.Analytics.MonthOverMonthAsync(user, request, default), $"month over month {request}");
        }
    }

    [Theory]
    [MemberData(nameof(Customers))]
    public async Task LedgerTools_Agree(string who)
    {
        var (user, reference, dapr) = (AskerOf(User(who)), Reference(apps), DaprTools(apps, User(who)));
        var (all, _, late, before) = Periods(S);
        foreach (var account in new AccountReference[] { new("4821", null), new(null, "savings"), new(null, "current"), new("1190", null), new("0000", null) })
        {
            (await dapr.Ledger.ResolveAccountAsync(user, account, default))
                .ShouldAgree(await reference.Ledger.ResolveAccountAsync(user, account, default), $"resolve {account}");
        }
        // Before anything, at each posting's very instant (it is not yet in), and after everything.
        var instants = S.Expected.Entries.Select(e => e.OccurredAt).Prepend(S.First.AddDays(-1)).Append(S.Last.AddMinutes(1));
        foreach (var at in instants)
        {
            foreach (var account in new Guid?[] { null, S.AliceEveryday })
            {
                var request = new BalanceAtRequest(at, account);
                (await dapr.Ledger.BalanceAtAsync(user, request, default))
                    .ShouldAgree(await reference.Ledger.BalanceAtAsync(user, request, default), $"balance {request}");
            }
        }
        foreach (var request in new LargestTransactionsRequest[]
                 {
                     new(all, 5, null, null, null, null), new(all, 3, new AmountThreshold(3_074, "EUR"), "groceries", null, null),
                     new(all, 10, new AmountThreshold(100_000, null), null, null, null), new(all, 10, null, null, "REWE", S.AliceEveryday),
                     new(late, 2, null, null, null, null), new(before, 5, null, null, null, null), new(all, 5, new AmountThreshold(1, "GBP"), null, null, null),
                 })
        {
            (await dapr.Ledger.LargestTransactionsAsync(user, request, default))
                .ShouldAgree(await reference.Ledger.LargestTransactionsAsync(user, request, default), $"largest {request}");
        }
    }

    [Theory]
    [MemberData(nameof(Customers))]
    public async Task FraudAndReversalTools_Agree(string who)
    {
        S.Expected.Flags.ShouldNotBeEmpty("the scenario's drain should have been flagged by fraud-service");
        var (user, reference, dapr) = (AskerOf(User(who)), Reference(apps), DaprTools(apps, User(who)));
        var (all, early, late, before) = Periods(S);
        foreach (var request in new UnusualTransactionsRequest[] { new(all, 5, null), new(late, 1, S.AliceEveryday), new(early, 5, null), new(before, 5, null) })
        {
            (await dapr.Fraud.UnusualTransactionsAsync(user, request, default))
                .ShouldAgree(await reference.Fraud.UnusualTransactionsAsync(user, request, default), $"unusual {request}");
        }
        var ids = S.Expected.Flags.SelectMany(f => new Guid?[] { f.Id, f.EntryId }).Prepend(null).Append(S.ReversedEntry);
        foreach (var id in ids)
        {
            var request = new WhyFlaggedRequest(id);
            (await dapr.Fraud.WhyFlaggedAsync(user, request, default))
                .ShouldAgree(await reference.Fraud.WhyFlaggedAsync(user, request, default), $"why flagged {id}");
        }
        foreach (var id in new Guid?[] { null, S.ReversalId, S.ReversedEntry, S.DrainEntry, Guid.NewGuid() })
        {
            var request = new ReversalStatusRequest(id);
            (await dapr.Reversals.ReversalStatusAsync(user, request, default))
                .ShouldAgree(await reference.Reversals.ReversalStatusAsync(user, request, default), $"reversal {id}");
        }
    }

    /// <summary>Agreement on empty answers would prove nothing: the seeded data gives every tool something to say.</summary>
    [Fact]
    public async Task TheScenario_GivesEveryToolSomethingToSay()
    {
        var (alice, bob, reference) = (AskerOf(S.Alice), AskerOf(S.Bob), Reference(apps));
        var (all, _, _, _) = Periods(S);

        (await reference.Analytics.SpendingByCategoryAsync(alice, new SpendingByCategoryRequest(all, null, null, null), default)).Rows.Count.ShouldBeGreaterThanOrEqualTo(3);
        (await reference.Analytics.SpendingByCategoryAsync(bob, new SpendingByCategoryRequest(all, null, null, null), default)).Rows.ShouldNotBeEmpty();
        (await reference.Analytics.TopCounterpartiesAsync(alice, new TopCounterpartiesRequest(all, 10, null), default)).Rows.Count.ShouldBeGreaterThanOrEqualTo(3);
        (await reference.Ledger.BalanceAtAsync(alice, new BalanceAtRequest(S.Last.AddMinutes(1), null), default)).Accounts
            .ShouldAllBe(a => a.Balance.Minor > 0 && a.LastEntryId != null);
        (await reference.Fraud.UnusualTransactionsAsync(alice, new UnusualTransactionsRequest(all, 5, null), default)).Rows.ShouldNotBeEmpty();
        (await reference.Fraud.WhyFlaggedAsync(alice, new WhyFlaggedRequest(null), default)).ShouldNotBeNull();
        (await reference.Reversals.ReversalStatusAsync(alice, new ReversalStatusRequest(null), default)).ShouldNotBeNull();
        S.Expected.Entries.ShouldContain(e => e.Counterparty == "REWE" && e.Category == "groceries");
        S.Expected.Entries.ShouldContain(e => e.Counterparty.StartsWith("KARTENZAHLUNG REWE", StringComparison.Ordinal)); // no counterparty in the metadata
    }

    [Fact]
    public async Task EveryToolCall_IsRecordedWithItsArguments()
    {
        var (user, tools) = (AskerOf(S.Alice), DaprTools(apps, S.Alice));
        var (all, _, _, _) = Periods(S);

        await tools.Analytics.SpendingByCategoryAsync(user, new SpendingByCategoryRequest(all, "groceries", null, null), default);
        await tools.Ledger.BalanceAtAsync(user, new BalanceAtRequest(S.Last, S.AliceEveryday), default);
        await tools.Reversals.ReversalStatusAsync(user, new ReversalStatusRequest(S.ReversalId), default);

        var calls = ToolCalls.Of(tools);
        calls.Select(c => c.Tool).ShouldBe([ToolNames.SpendingByCategory, ToolNames.BalanceAt, ToolNames.ReversalStatus]);
        calls[0].Arguments.ShouldContain("\"category\":\"groceries\"");
        calls[1].Arguments.ShouldContain(S.AliceEveryday.ToString());
        calls[2].Arguments.ShouldContain(S.ReversalId.ToString());
    }

    [Theory]
    [InlineData("Payments above €500 in the last 30 days")]
    [InlineData("Show my spending by category in the last 30 days")]
    [InlineData("What is my balance?")]
    [InlineData("Why was my payment flagged?")]
    [InlineData("Where is my reversal?")]
    [InlineData("Who did I pay the most in the last 30 days?")]
    public async Task InterpreterAnswerer_AnswersAsTheReferenceDoes_AndStreamsTheText(string text)
    {
        var question = Question(apps, S.Alice, TwoCustomers.Token(S.Alice), text);
        var stream = new RecordingStream();

        var outcome = await apps.Answerer.AnswerAsync(question, stream, default);

        var interpretation = new Domain.Interpreting.QuestionInterpreter().Interpret(text, Berlin, question.AskedAt).Interpretation!;
        var expected = await AnswerPlanner.AnswerAsync(question.Asker, interpretation, Reference(apps), default);
        outcome.Answer.ShouldAgree(expected, text);
        outcome.Answer.IsRefusal.ShouldBeFalse(outcome.Answer.Text);
        outcome.Engine.ShouldBe(Engines.Interpreter);
        outcome.PromptVersion.ShouldBeNull();
        outcome.Model.ShouldBeNull();
        outcome.FallbackReason.ShouldBeNull();
        outcome.ToolCalls.ShouldNotBeEmpty();
        string.Concat(stream.Pieces).ShouldBe(outcome.Answer.Text);
        stream.Pieces.Count.ShouldBeGreaterThan(1);
    }

    private sealed class RecordingStream : IAnswerStream
    {
        public List<string> Pieces { get; } = [];

        public ValueTask WriteAsync(string text, CancellationToken ct)
        {
            Pieces.Add(text);
            return ValueTask.CompletedTask;
        }
    }
}
