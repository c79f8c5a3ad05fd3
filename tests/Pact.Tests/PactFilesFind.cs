namespace LedgerX.Pact.Tests;

public sealed class PactFilesFind : IDisposable
{
    private readonly TestPactDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private void Write(string name, string provider) =>
        File.WriteAllText(Path.Combine(_dir.Path, name), $$"""{"consumer":{"name":"c"},"provider":{"name":"{{provider}}"},"interactions":[]}""");

    [Fact]
    public void The_pact_files_naming_a_provider_sorted_by_path()
    {
        Write("b-ledger.json", "ledger");
        Write("a-ledger.json", "ledger");
        Write("a-other.json", "other");
        File.WriteAllText(Path.Combine(_dir.Path, "notes.json"), "not json");
        File.WriteAllText(Path.Combine(_dir.Path, "README.md"), "# pacts");

        PactFiles.ForProvider(_dir.Path, "ledger").Select(Path.GetFileName).ShouldBe(["a-ledger.json", "b-ledger.json"]);
        PactFiles.ForProvider(_dir.Path, "nobody").ShouldBeEmpty();
    }

    [Fact]
    public void Nothing_when_the_directory_does_not_exist() =>
        PactFiles.ForProvider(Path.Combine(_dir.Path, "missing"), "ledger").ShouldBeEmpty();

    [Fact]
    public void The_repository_pact_directory_is_contracts_pacts_beside_the_solution()
    {
        var dir = PactFiles.RepositoryPactDirectory();

        dir.ShouldEndWith(Path.Combine("contracts", "pacts"));
        File.Exists(Path.Combine(dir, "..", "..", "LedgerX.Dapr.sln")).ShouldBeTrue();
    }
}
