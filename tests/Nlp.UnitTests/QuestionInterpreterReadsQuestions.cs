using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.UnitTests;

public sealed class QuestionInterpreterReadsQuestions
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    // Monday 15 June 2026, 12:00 in Berlin.
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);
    private static readonly QuestionInterpreter Interpreter = new();

    private static Interpretation Understood(string question, TimeZoneInfo? zone = null, DateTimeOffset? now = null)
    {
        var result = Interpreter.Interpret(question, zone ?? Berlin, now ?? Now);
        result.Refusal.ShouldBeNull(question);
        return result.Interpretation!;
    }

    private static DateTimeOffset Local(int y, int m, int d, TimeZoneInfo zone) => Period.StartOfDay(new DateOnly(y, m, d), zone);

    [Theory]
    [InlineData("spending last month", 2026, 5, 1, 2026, 6, 1)]
    [InlineData("spending this week", 2026, 6, 15, 2026, 6, 22)]
    [InlineData("spending in March", 2026, 3, 1, 2026, 4, 1)]
    [InlineData("spending in September", 2025, 9, 1, 2025, 10, 1)]
    [InlineData("spending since 1 May", 2026, 5, 1, 2026, 6, 16)]
    [InlineData("spending since May 1st", 2026, 5, 1, 2026, 6, 16)]
    [InlineData("spending yesterday", 2026, 6, 14, 2026, 6, 15)]
    [InlineData("spending in the last 30 days", 2026, 5, 17, 2026, 6, 16)]
    [InlineData("spending in Q1", 2026, 1, 1, 2026, 4, 1)]
    [InlineData("spending in Q3", 2025, 7, 1, 2025, 10, 1)]
    [InlineData("Ausgaben im März", 2026, 3, 1, 2026, 4, 1)]
    [InlineData("Ausgaben seit 1. Mai", 2026, 5, 1, 2026, 6, 16)]
    public void PeriodsAreCalendarDaysInTheAskersZone(string question, int y1, int m1, int d1, int y2, int m2, int d2)
    {
        var period = Understood(question).Slots.Period!;
        period.Start.ShouldBe(Local(y1, m1, d1, Berlin));
        period.End.ShouldBe(Local(y2, m2, d2, Berlin));
    }

    [Fact]
    public void TheSameInstantIsAnotherDayInAnotherZone()
    {
        // 03:00 UTC on 1 June is still 31 May in New York: "yesterday" there is 30 May.
        var early = new DateTimeOffset(2026, 6, 1, 3, 0, 0, TimeSpan.Zero);
        Understood("spending yesterday", NewYork, early).Slots.Period!.Start.ShouldBe(Local(2026, 5, 30, NewYork));
        Understood("spending yesterday", Berlin, early).Slots.Period!.Start.ShouldBe(Local(2026, 5, 31, Berlin));
        Understood("spending last month", NewYork, early).Slots.Period!.Start.ShouldBe(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.FromHours(-4)));
    }

    [Theory]
    [InlineData("how much did I spend on grocereis?", "groceries")]
    [InlineData("HOW MUCH DID I SPEND ON DINNING", "dining")]
    [InlineData("how much did i spend on entertainmnt", "entertainment")]
    [InlineData("What did I spend on utilities!!!", "utilities")]
    public void CategoryTyposWithinOneEditAreCorrected(string question, string category)
    {
        var interpretation = Understood(question);
        interpretation.Slots.Category.ShouldBe(category);
    }

    [Fact]
    public void ShortWordsAreNotBentIntoCategories()
    {
        // "sent" is one edit from "rent": short words are taken only as written.
        Understood("how much have I sent on spending last month").Slots.Category.ShouldBeNull();
    }

    [Theory]
    [InlineData("my three biggest payments last month", 3)]
    [InlineData("top 7 merchants last month", 7)]
    [InlineData("the largest purchase last month", 1)]
    [InlineData("largest expenses in March", 5)]
    public void CountsAreReadFromDigitsWordsOrSingulars(string question, int count)
    {
        Understood(question).Slots.Count.ShouldBe(count);
    }

    [Fact]
    public void AmountsKeepCurrencyAndMinorUnits()
    {
        var slots = Understood("transactions over £1,250.50 last month").Slots;
        slots.MinAmount.ShouldBe(new AmountThreshold(125_050, "GBP"));
        Understood("payments above 20 last month").Slots.MinAmount.ShouldBe(new AmountThreshold(2_000, null));
    }

    [Fact]
    public void AccountsAndRecordsAreReadAsReferencesNotTrusted()
    {
        Understood("balance of account ending 4821").Slots.Account.ShouldBe(new AccountReference("4821", null));
        Understood("balance of my savings account").Slots.Account.ShouldBe(new AccountReference(null, "savings"));
        var id = Guid.Parse("0b5f3c1e-8a2d-4c6b-9e1f-2a3b4c5d6e7f");
        var flagged = Understood($"why was {id} flagged?");
        flagged.Intent.ShouldBe(Intent.WhyFlagged);
        flagged.Slots.RecordId.ShouldBe(id);
    }

    [Fact]
    public void ADefaultedPeriodLowersConfidence()
    {
        Understood("how much did I spend on groceries last month").Confidence.ShouldBe(1.0);
        Understood("how much did I spend on groceries").Confidence.ShouldBe(0.8);
    }

    [Theory]
    [InlineData("How much did Bob spend last month?", RefusalReason.OtherPersonsData)]
    [InlineData("show my partner's spending", RefusalReason.OtherPersonsData)]
    [InlineData("Pay 20 EUR to Anna", RefusalReason.Unsupported)]
    [InlineData("predict my spending next month", RefusalReason.Unsupported)]
    [InlineData("what is the meaning of life", RefusalReason.Unsupported)]
    [InlineData("", RefusalReason.Unsupported)]
    [InlineData("spending on rent and dining last month", RefusalReason.Ambiguous)]
    [InlineData("spending in March and in May", RefusalReason.Ambiguous)]
    [InlineData("my balance and my unusual payments", RefusalReason.Ambiguous)]
    [InlineData("top 500 merchants", RefusalReason.Unsupported)]
    public void RefusesRatherThanGuesses(string question, RefusalReason reason)
    {
        var result = Interpreter.Interpret(question, Berlin, Now);
        result.Interpretation.ShouldBeNull();
        result.Refusal!.Reason.ShouldBe(reason);
        result.Refusal.Message.ShouldStartWith("I can't answer that");
    }

    [Fact]
    public void RefusesQuestionsLongerThanTheBound()
    {
        Interpreter.Interpret("spending " + new string('x', QuestionInterpreter.MaxQuestionLength), Berlin, Now)
            .Refusal!.Reason.ShouldBe(RefusalReason.Unsupported);
    }
}
