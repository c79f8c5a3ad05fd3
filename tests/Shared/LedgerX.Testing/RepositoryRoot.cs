namespace LedgerX.Testing;

/// <summary>The repository checkout the tests run from: the folder holding LedgerX.Dapr.sln, found by walking up
/// from the test binaries, so paths work from any working directory.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<DirectoryInfo> Found = new(Find);

    public static DirectoryInfo Directory => Found.Value;

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
