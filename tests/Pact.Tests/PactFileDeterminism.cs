namespace LedgerX.Pact.Tests;

/// <summary>
/// A fresh run of the consumer tests must leave committed pact files unchanged: the file may not depend on the order
/// tests run in, nor on how many times they ran (pact_ffi 0.5.8 sorts interactions by description when it writes).
/// </summary>
public sealed class PactFileDeterminism : IDisposable
{
    private readonly TestPactDirectory _first = new();
    private readonly TestPactDirectory _second = new();

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    private static async Task FreezeTestAsync(string directory)
    {
        var pact = new PactBuilder(AccountsContract.Consumer, AccountsContract.Provider, directory);
        AccountsContract.DeclareFreeze(pact);
        await pact.VerifyAsync(uri => AccountsContract.ExerciseFreezeAsync(uri));
    }

    private static async Task MissingTestAsync(string directory)
    {
        var pact = new PactBuilder(AccountsContract.Consumer, AccountsContract.Provider, directory);
        AccountsContract.DeclareMissing(pact);
        await pact.VerifyAsync(AccountsContract.ExerciseMissingAsync);
    }

    [Fact]
    public async Task Is_byte_for_byte_the_same_whatever_order_and_however_often_the_tests_ran()
    {
        await FreezeTestAsync(_first.Path);
        await MissingTestAsync(_first.Path);

        await MissingTestAsync(_second.Path);
        await FreezeTestAsync(_second.Path);
        await MissingTestAsync(_second.Path);
        await FreezeTestAsync(_second.Path);

        var first = await File.ReadAllBytesAsync(_first.File(AccountsContract.Consumer, AccountsContract.Provider), TestContext.Current.CancellationToken);
        var second = await File.ReadAllBytesAsync(_second.File(AccountsContract.Consumer, AccountsContract.Provider), TestContext.Current.CancellationToken);
        second.ShouldBe(first);
    }

    [Fact]
    public async Task Equals_what_one_test_declaring_everything_writes()
    {
        await FreezeTestAsync(_first.Path);
        await MissingTestAsync(_first.Path);
        await AccountsContract.Declare(_second.Path).VerifyAsync(uri => AccountsContract.ExerciseAsync(uri));

        var merged = await File.ReadAllTextAsync(_first.File(AccountsContract.Consumer, AccountsContract.Provider), TestContext.Current.CancellationToken);
        var single = await File.ReadAllTextAsync(_second.File(AccountsContract.Consumer, AccountsContract.Provider), TestContext.Current.CancellationToken);
        merged.ShouldBe(single);
    }
}

/// <summary>Test classes run in parallel: tests writing the same pact file at the same moment must all land in it.</summary>
public sealed class PactFileConcurrentWrites : IDisposable
{
    private readonly TestPactDirectory _pacts = new();

    public void Dispose() => _pacts.Dispose();

    [Fact]
    public async Task Keep_every_interaction()
    {
        var descriptions = Enumerable.Range(0, 8).Select(i => $"request {i}").ToArray();

        await Task.WhenAll(descriptions.Select(description => Task.Run(async () =>
        {
            var pact = new PactBuilder("parallel-consumer", "parallel-provider", _pacts.Path);
            pact.UponReceiving(description).WithRequest("GET", "/" + Uri.EscapeDataString(description)).WillRespond().WithStatus(204);
            await pact.VerifyAsync(async uri =>
            {
                using var http = new HttpClient { BaseAddress = uri };
                using var response = await http.GetAsync(new Uri(Uri.EscapeDataString(description), UriKind.Relative));
                ((int)response.StatusCode).ShouldBe(204);
            });
        })));

        Json.ParseFile(_pacts.File("parallel-consumer", "parallel-provider"))["interactions"]!.AsArray()
            .Select(i => i!["description"]!.GetValue<string>())
            .ShouldBe(descriptions);
    }
}
