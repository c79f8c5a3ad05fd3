using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Tools;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;
using LedgerX.Nlp.IntegrationTests.Tools.Infrastructure;
using LedgerX.ServiceDefaults.Auth;
using static LedgerX.Nlp.IntegrationTests.Tools.ToolAgreement;

namespace LedgerX.Nlp.IntegrationTests.Tools;

/// <summary>
/// One user never gets another's data through the tools: Bob naming Alice's account (by id or last four digits), her
/// entry, flag or reversal finds nothing, exactly as for an id that does not exist. A token that may not read the
/// ledger is refused <c>forbidden</c>, an expired one fails as such, and a staff token that could see everyone's
/// accounts still only answers about its owner's.
/// </summary>
[Collection(LedgerAndFraudCollection.Name)]
public sealed class DaprToolsKeepAskersApart(LedgerAndFraud apps)
{
    private TwoCustomers S => apps.Scenario;

    [Fact]
    public async Task Bob_NamingAlicesAccount_GetsNothingOfHers()
    {
        var (bob, tools) = (AskerOf(S.Bob), DaprTools(apps, S.Bob));
        var (all, _, _, _) = Periods(S);

        (await tools.Ledger.ResolveAccountAsync(bob, new AccountReference("4821", null), default)).ShouldBeNull();
        (await tools.Ledger.ResolveAccountAsync(bob, new AccountReference(null, "savings"), default)).ShouldBeNull();
        (await tools.Analytics.SpendingByCategoryAsync(bob, new SpendingByCategoryRequest(all, null, null, S.AliceEveryday), default)).Rows.ShouldBeEmpty();
        (await tools.Analytics.IncomeVsSpendingAsync(bob, new IncomeVsSpendingRequest(all, S.AliceEveryday), default)).PerCurrency.ShouldBeEmpty();
        (await tools.Analytics.TopCounterpartiesAsync(bob, new TopCounterpartiesRequest(all, 5, S.AliceSavings), default)).Rows.ShouldBeEmpty();
        (await tools.Analytics.MonthOverMonthAsync(bob, new MonthOverMonthRequest(all, all, null, S.AliceEveryday), default)).PerCurrency.ShouldBeEmpty();
        (await tools.Ledger.BalanceAtAsync(bob, new BalanceAtRequest(S.Last.AddMinutes(1), S.AliceEveryday), default)).Accounts.ShouldBeEmpty();
        (await tools.Ledger.LargestTransactionsAsync(bob, new LargestTransactionsRequest(all, 5, null, null, null, S.AliceEveryday), default)).Rows.ShouldBeEmpty();
        (await tools.Fraud.UnusualTransactionsAsync(bob, new UnusualTransactionsRequest(all, 5, S.AliceEveryday), default)).Rows.ShouldBeEmpty();
    }

    [Fact]
    public async Task Bob_NamingAlicesEntryFlagOrReversal_FindsNothing()
    {
        var (bob, tools) = (AskerOf(S.Bob), DaprTools(apps, S.Bob));
        var aliceFlags = S.Expected.Flags.Where(f => S.EntriesOf(S.AliceEveryday).Any(e => e.Id == f.EntryId)).ToList();
        aliceFlags.ShouldNotBeEmpty("the scenario's drain should have been flagged");

        foreach (var id in aliceFlags.SelectMany(f => new[] { f.Id, f.EntryId }).Append(S.DrainEntry))
        {
            (await tools.Fraud.WhyFlaggedAsync(bob, new WhyFlaggedRequest(id), default)).ShouldBeNull($"Bob asked why {id} was flagged");
        }
        (await tools.Reversals.ReversalStatusAsync(bob, new ReversalStatusRequest(S.ReversalId), default)).ShouldBeNull();
        (await tools.Reversals.ReversalStatusAsync(bob, new ReversalStatusRequest(S.ReversedEntry), default)).ShouldBeNull();
        (await tools.Reversals.ReversalStatusAsync(bob, new ReversalStatusRequest(null), default)).ShouldBeNull("Bob asked for no reversal");
    }

    [Fact]
    public async Task Bob_AskingAboutAlicesRecords_IsToldNotFound()
    {
        foreach (var text in new[]
                 {
                     $"Why was transaction {S.DrainEntry} flagged?", $"What is the status of refund {S.ReversalId}?",
                     "Balance of account ending 4821 at the end of last month",
                 })
        {
            var outcome = await apps.Answerer.AnswerAsync(Question(apps, S.Bob, TwoCustomers.Token(S.Bob), text), new Discard(), default);

            outcome.Answer.Refusal.ShouldNotBeNull(text);
            outcome.Answer.Refusal.Reason.ShouldBe(RefusalReason.NotFound, text);
            outcome.Answer.Figures.ShouldBeEmpty();
            outcome.Answer.Citations.ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task ATokenWithoutLedgerRead_IsRefusedForbidden_NotACrash()
    {
        var token = TwoCustomers.Token(S.Alice, Permissions.NlpAsk, Permissions.AnalyticsRead);
        var (alice, tools) = (AskerOf(S.Alice), DaprTools(apps, S.Alice, token));
        var (all, _, _, _) = Periods(S);

        var denied = await Should.ThrowAsync<ToolAccessDeniedException>(() =>
            tools.Analytics.SpendingByCategoryAsync(alice, new SpendingByCategoryRequest(all, null, null, null), default));
        denied.Status.ShouldBe(403);

        var outcome = await apps.Answerer.AnswerAsync(Question(apps, S.Alice, token, "What is my balance?"), new Discard(), default);
        outcome.Answer.Refusal.ShouldNotBeNull();
        outcome.Answer.Refusal.Reason.ShouldBe(RefusalReason.Forbidden);
        Refusal.ReasonName(outcome.Answer.Refusal.Reason).ShouldBe("forbidden");
        outcome.Answer.Figures.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnExpiredToken_FailsAsExpired_SoTheWorkerDoesNotRetryIt()
    {
        var token = TestTokensFor.Expired(S.Alice);
        var (alice, tools) = (AskerOf(S.Alice), DaprTools(apps, S.Alice, token));

        await Should.ThrowAsync<ToolTokenExpiredException>(() =>
            tools.Ledger.BalanceAtAsync(alice, new BalanceAtRequest(S.Last, null), default));
        await Should.ThrowAsync<ToolTokenExpiredException>(() =>
            apps.Answerer.AnswerAsync(Question(apps, S.Alice, token, "What is my balance?"), new Discard(), default));
    }

    [Fact]
    public async Task AStaffTokenThatSeesEveryone_StillOnlyAnswersAboutItsOwner()
    {
        // Alice also works at the bank: her token may read every account and alert, the tools still read only hers.
        var token = TwoCustomers.Token(S.Alice, Permissions.LedgerRead, Permissions.AccountsAny, Permissions.FraudReview, Permissions.AnalyticsRead);
        var (alice, tools, reference) = (AskerOf(S.Alice), DaprTools(apps, S.Alice, token), Reference(apps));
        var (all, _, _, _) = Periods(S);

        (await tools.Analytics.SpendingByCategoryAsync(alice, new SpendingByCategoryRequest(all, null, null, null), default))
            .ShouldAgree(await reference.Analytics.SpendingByCategoryAsync(alice, new SpendingByCategoryRequest(all, null, null, null), default), "spending");
        (await tools.Fraud.UnusualTransactionsAsync(alice, new UnusualTransactionsRequest(all, 50, null), default))
            .ShouldAgree(await reference.Fraud.UnusualTransactionsAsync(alice, new UnusualTransactionsRequest(all, 50, null), default), "unusual");
        (await tools.Ledger.BalanceAtAsync(alice, new BalanceAtRequest(S.Last.AddMinutes(1), S.BobEveryday), default)).Accounts.ShouldBeEmpty();
    }

    private sealed class Discard : IAnswerStream
    {
        public ValueTask WriteAsync(string text, CancellationToken ct) => ValueTask.CompletedTask;
    }

    private static class TestTokensFor
    {
        /// <summary>Expired two minutes ago: beyond the services' 30 s clock skew.</summary>
        public static string Expired(string user) => LedgerX.Testing.TestTokens.Shared.Mint(user,
            [Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.AnalyticsRead, Permissions.NlpAsk], expiresIn: TimeSpan.FromMinutes(-2));
    }
}
