namespace LedgerX.Nlp.UnitTests;

/// <summary>The committed files the tests compare with: copied next to the tests, and found in the checkout when a
/// test is asked to rewrite them.</summary>
internal static class RepoFiles
{
    public const string EvalSet = "questions.v1.json";
    public const string LabelledDescriptions = "labelled-descriptions.v1.csv";

    /// <summary>Set to 1 to rewrite the committed files from their generators (then review the diff and commit it).</summary>
    public const string WriteVariable = "NLP_WRITE_COMMITTED_SETS";

    public static string Copied(string name) => Path.Combine(AppContext.BaseDirectory, "evaluation", name);

    public static string InCheckout(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LedgerX.Dapr.sln")))
                return Path.Combine(dir.FullName, "services", "Nlp", "evaluation", name);
        throw new InvalidOperationException("The checkout's root (LedgerX.Dapr.sln) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>The committed text, or the generated text written to the checkout when asked to.</summary>
    public static string CommittedOrWrite(string name, string generated)
    {
        if (Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            File.WriteAllText(InCheckout(name), generated);
            return generated;
        }
        var copied = Copied(name);
        File.Exists(copied).ShouldBeTrue($"{name} is not committed; run the tests once with {WriteVariable}=1.");
        return File.ReadAllText(copied);
    }
}
