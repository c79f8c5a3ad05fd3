namespace LedgerX.Transactions.UnitTests.Support;

/// <summary>The repository checkout the tests run from: the folder holding LedgerX.Dapr.sln, found by walking up
/// from the test binaries, so paths work from any working directory.</summary>
internal static class RepositoryRoot
{
    public static DirectoryInfo Directory { get; } = Find();

    public static string PathOf(params string[] parts) => Path.Combine([Directory.FullName, .. parts]);

    private static DirectoryInfo Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LedgerX.Dapr.sln")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException($"No LedgerX.Dapr.sln above {AppContext.BaseDirectory}.");
    }
}
