using LedgerX.Nlp.Domain.Categorization;

namespace LedgerX.Nlp.UnitTests;

public sealed class TransactionCategorizerOnHeldOutSplit
{
    private static IReadOnlyList<LabelledDescription> Committed()
    {
        var generated = LabelledDescriptions.ToCsv(LabelledDescriptions.Generate());
        return LabelledDescriptions.ParseCsv(RepoFiles.CommittedOrWrite(RepoFiles.LabelledDescriptions, generated));
    }

    [Fact]
    public void CommittedSetIsTheGeneratorsOutputWithAHeldOutSplit()
    {
        var generated = LabelledDescriptions.ToCsv(LabelledDescriptions.Generate());
        LabelledDescriptions.ToCsv(Committed()).ShouldBe(generated);
        var rows = Committed();
        rows.Count.ShouldBeGreaterThanOrEqualTo(600);
        rows.Select(r => r.Category).Distinct().Count().ShouldBe(Categories.All.Count);
        foreach (var category in Categories.All)
            rows.Count(r => r.HeldOut && r.Category == category).ShouldBeGreaterThan(5, category);
    }

    [Fact]
    public void RulesThenModelBeatTheFloorOnRowsNeverTrainedOn()
    {
        var rows = Committed();
        var categorizer = TransactionCategorizer.Train(rows);

        var accuracy = categorizer.Measure(rows);

        TestContext.Current.TestOutputHelper!.WriteLine("categorizer: " + accuracy);
        accuracy.Combined.ShouldBeGreaterThanOrEqualTo(0.85, accuracy.ToString());
        accuracy.ModelAlone.ShouldBeGreaterThanOrEqualTo(0.75, accuracy.ToString());
    }

    [Theory]
    [InlineData("DAUERAUFTRAG MIETE HAUSVERWALTUNG SCHMIDT", "rent")]
    [InlineData("KARTENZAHLUNG REWE 1234 BERLIN", "groceries")]
    [InlineData("GEHALT CONTOSO GMBH", "salary")]
    [InlineData("UMBUCHUNG AUF SPARKONTO", "transfers")]
    public void RulesDecideTheDescriptionsTheyKnow(string description, string category)
    {
        CategoryRules.Match(description).ShouldBe(category);
    }

    [Fact]
    public void RulesLeaveUnknownMerchantsToTheModel()
    {
        CategoryRules.Match("CARD PAYMENT WAGAMAMA LONDON").ShouldBeNull();
    }
}
