namespace LedgerX.Pact.Tests;

/// <summary>A fresh pact directory per test, removed afterwards.</summary>
internal sealed class TestPactDirectory : IDisposable
{
    public TestPactDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ledgerx-pact-tests", Guid.NewGuid().ToString("N"));

    public string File(string consumer, string provider) => System.IO.Path.Combine(Path, $"{consumer}-{provider}.json");

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
