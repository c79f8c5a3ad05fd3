namespace LedgerX.Pact.Tests;

/// <summary>The verifier replays a pact written by the consumer DSL against a running provider.</summary>
public sealed class PactVerifierAgainstATinyProvider : IDisposable
{
    private readonly TestPactDirectory _pacts = new();

    public void Dispose() => _pacts.Dispose();

    private async Task<string> WritePactAsync()
    {
        await AccountsContract.Declare(_pacts.Path).VerifyAsync(uri => AccountsContract.ExerciseAsync(uri));
        return _pacts.File(AccountsContract.Consumer, AccountsContract.Provider);
    }

    private static async Task<PactVerificationResult> VerifyAsync(AccountsProvider provider, string pactFile)
    {
        using var verifier = new PactVerifier(AccountsContract.Provider, "1.0.0")
            .WithHttpEndpoint(provider.BaseUrl)
            .WithProviderStateUrl(provider.ProviderStateUrl)
            .WithFileSource(pactFile);
        return await verifier.VerifyAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Passes_when_the_provider_answers_what_the_consumer_relies_on()
    {
        var pactFile = await WritePactAsync();
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, pactFile);

        result.Passed.ShouldBeTrue(result.Output);
        result.Output.ShouldContain(AccountsContract.Freeze);
        result.Output.ShouldNotContain("\u001b[");
        result.Json.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Fails_naming_the_field_when_the_provider_renamed_it()
    {
        var pactFile = await WritePactAsync();
        await using var provider = await AccountsProvider.StartAsync(statusFieldName: "state");

        var result = await VerifyAsync(provider, pactFile);

        result.Passed.ShouldBeFalse(result.Output);
        result.Output.ShouldContain(AccountsContract.Freeze);
        result.Output.ShouldContain("has a matching body (FAILED)");
        result.Output.ShouldContain("missing the following keys: status");
        result.Json.ShouldNotBeNull().ShouldContain("\"result\":false");
        result.Output.ShouldNotContain("\u001b[");
    }

    [Fact]
    public async Task Calls_the_provider_state_endpoint_with_params_for_setup_and_teardown()
    {
        var pactFile = await WritePactAsync();
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, pactFile);

        result.Passed.ShouldBeTrue(result.Output);
        var calls = provider.States.Calls.Where(c => c.State == "an open account").ToArray();
        calls.Select(c => c.Action).ShouldBe(["setup", "teardown"]);
        calls.ShouldAllBe(c => c.Params["currency"]!.GetValue<string>() == "EUR");
        provider.States.Calls.Where(c => c.State == "no account exists with the requested id").Select(c => c.Action)
            .ShouldBe(["setup", "teardown"]);
    }

    [Fact]
    public async Task Sends_the_provider_state_values_in_path_query_header_and_body()
    {
        var pactFile = await WritePactAsync();
        await using var provider = await AccountsProvider.StartAsync();

        var result = await VerifyAsync(provider, pactFile);

        result.Passed.ShouldBeTrue(result.Output);
        var opened = AccountsProvider.OpenedAccountId.ToString();
        provider.Received.ShouldHaveSingleItem().ShouldBe(new FreezeReceived(opened, "operator-42", "key-42", opened));
    }
}
