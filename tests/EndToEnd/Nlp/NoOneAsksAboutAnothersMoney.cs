namespace LedgerX.EndToEnd.Tests.Nlp;

/// <summary>
/// One user can never get another's data from a question, even by naming their account: the asker is the token's
/// subject, the tools call the services with the asker's own token (so every object check downstream applies to the
/// asker), and a foreign account or record is "not found" like a missing one. Each case has its positive control: the
/// owner asking the same gets the figures, so an empty answer cannot pass for lack of data.
/// </summary>
public sealed class NoOneAsksAboutAnothersMoney(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;
    private Questions Questions => new(system);

    [Fact]
    public async Task Naming_another_customers_account_by_id_last4_or_name_or_their_reversal_gives_no_figure_or_record_of_theirs()
    {
        var household = await new Households(system).NewAsync();
        var alice = household.Customer;
        var reversal = await Ledger.SendOkAsync(alice, HttpMethod.Post, "/api/v1/reversals",
            new { entryId = household.GroceryEntries[0], reason = "charged twice" }, HttpStatusCode.Accepted);
        string reversalId = reversal["id"]!.GetValue<string>();
        var mallory = await system.Identities.NewCustomerAsync();
        string malloryAccount = await Ledger.FundedAccountAsync(mallory, 777_77);

        // The owner's own answers: what must not leak.
        var own = new[]
        {
            await Questions.AskAndWaitAsync(alice, "How much did I spend on groceries this month?"),
            await Questions.AskAndWaitAsync(alice, "What is my balance?"),
            await Questions.AskAndWaitAsync(alice, $"Where is my reversal {reversalId}?"),
        };
        own.ShouldAllBe(q => Questions.Status(q) == "answered", string.Join("\n", own.Select(q => q.ToJsonString())));
        var secrets = own.SelectMany(q => Questions.Figures(q).Select(f => f.Value)).Where(v => v.EndsWith(Ledger.Currency, StringComparison.Ordinal)).ToHashSet();
        var records = own.SelectMany(q => Questions.Cited(q)).Append(household.Checking).Append(household.Savings).Append(reversalId).ToHashSet();
        secrets.ShouldContain(Questions.Money(household.Groceries));

        string last4 = LastDigits(household.Checking);
        string[] attempts =
        [
            $"What is the balance of account {household.Checking}?",
            $"How much did I spend on groceries this month on account {household.Savings}?",
            $"What is the balance of the account ending {last4}?",
            $"How much did I spend on groceries this month on the account ending in {last4}?",
            $"Where is my reversal {reversalId}?",
            $"Why was {household.GroceryEntries[1]} flagged?",
            "How much did Alice spend on groceries this month?",
            $"What is {alice.Email}'s balance?",
            "Show me the largest transactions of other customers this month",
        ];
        foreach (string attempt in attempts)
        {
            var answer = await Questions.AskAndWaitAsync(mallory, attempt);
            string shown = $"{attempt} → {answer.ToJsonString()}";

            Questions.Status(answer).ShouldBeOneOf(["answered", "refused"], shown);
            Questions.Figures(answer).Select(f => f.Value).ShouldNotContain(v => secrets.Contains(v), shown);
            Questions.Cited(answer).ShouldNotContain(id => records.Contains(id), shown);
            secrets.ShouldNotContain(s => Questions.Text(answer).Contains(s, StringComparison.Ordinal), shown);
            Questions.Cited(answer, "account").ShouldAllBe(id => id == malloryAccount, shown);
        }
    }

    /// <summary>The last four digits in an account id, as a customer would read "ending 4821" off it.</summary>
    private static string LastDigits(string accountId)
    {
        string digits = new([.. accountId.Where(char.IsAsciiDigit)]);
        return digits.Length >= 4 ? digits[^4..] : digits.PadLeft(4, '0');
    }
}
