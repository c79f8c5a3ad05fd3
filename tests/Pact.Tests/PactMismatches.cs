using System.Net.Http.Json;

namespace LedgerX.Pact.Tests;

/// <summary>A consumer that does not do what its pact says fails with a message a person can act on, and writes nothing.</summary>
public sealed class PactMismatches : IDisposable
{
    private readonly TestPactDirectory _pacts = new();

    public void Dispose() => _pacts.Dispose();

    private string PactFile => _pacts.File(AccountsContract.Consumer, AccountsContract.Provider);

    [Fact]
    public async Task A_consumer_that_never_calls_fails_naming_the_missing_request()
    {
        var pact = AccountsContract.Declare(_pacts.Path);

        var error = await Should.ThrowAsync<PactMismatchException>(() => pact.VerifyAsync(_ => Task.CompletedTask));

        error.Message.ShouldContain($"GET /api/v1/accounts/{AccountsContract.MissingAccountId}: expected but never received");
        error.Message.ShouldContain($"POST /api/v1/accounts/{AccountsContract.ExampleAccountId}/freeze?requestedBy=operator-1: expected but never received");
        File.Exists(PactFile).ShouldBeFalse();
    }

    [Fact]
    public async Task A_consumer_sending_a_wrong_body_fails_naming_the_field_and_the_types()
    {
        var pact = new PactBuilder(AccountsContract.Consumer, AccountsContract.Provider, _pacts.Path);
        AccountsContract.DeclareFreeze(pact);

        var error = await Should.ThrowAsync<PactMismatchException>(() => pact.VerifyAsync(uri => AccountsContract.ExerciseFreezeAsync(uri, reason: 12)));

        error.Message.ShouldContain(
            $"POST /api/v1/accounts/{AccountsContract.ExampleAccountId}/freeze: body $.reason: Expected 12 (Integer) to be the same type as 'suspicious activity' (String)");
        // The mock server answered 500, so the consumer code failed too: kept as the inner exception, mentioned last.
        error.InnerException.ShouldBeOfType<HttpRequestException>();
        error.MismatchesJson.ShouldContain("request-mismatch");
        File.Exists(PactFile).ShouldBeFalse();
    }

    [Fact]
    public async Task A_consumer_calling_the_wrong_path_fails_naming_the_unexpected_and_the_missing_request()
    {
        var pact = new PactBuilder(AccountsContract.Consumer, AccountsContract.Provider, _pacts.Path);
        AccountsContract.DeclareMissing(pact);

        var error = await Should.ThrowAsync<PactMismatchException>(() => pact.VerifyAsync(async uri =>
        {
            using var http = new HttpClient { BaseAddress = uri };
            using var response = await http.GetAsync(new Uri("api/v1/account/nope", UriKind.Relative));
        }));

        error.Message.ShouldContain("GET /api/v1/account/nope: received but not in the pact (unexpected request)");
        error.Message.ShouldContain($"GET /api/v1/accounts/{AccountsContract.MissingAccountId}: expected but never received");
    }

    [Fact]
    public async Task A_consumer_missing_a_header_and_sending_a_wrong_query_fails_naming_both()
    {
        var pact = new PactBuilder(AccountsContract.Consumer, AccountsContract.Provider, _pacts.Path);
        AccountsContract.DeclareFreeze(pact);

        var error = await Should.ThrowAsync<PactMismatchException>(() => pact.VerifyAsync(async uri =>
        {
            using var http = new HttpClient { BaseAddress = uri };
            using var response = await http.PostAsJsonAsync(
                new Uri($"api/v1/accounts/{AccountsContract.ExampleAccountId}/freeze?requestedBy=operator-1&extra=1", UriKind.Relative),
                new { reason = "x", accountId = AccountsContract.ExampleAccountId });
        }));

        var path = $"POST /api/v1/accounts/{AccountsContract.ExampleAccountId}/freeze";
        error.Message.ShouldContain($"{path}: header Idempotency-Key:");
        error.Message.ShouldContain($"{path}: query extra:");
    }

    [Fact]
    public async Task A_consumer_whose_own_code_fails_after_matching_gets_its_own_exception()
    {
        var pact = new PactBuilder(AccountsContract.Consumer, AccountsContract.Provider, _pacts.Path);
        AccountsContract.DeclareMissing(pact);

        var error = await Should.ThrowAsync<InvalidOperationException>(() => pact.VerifyAsync(async uri =>
        {
            await AccountsContract.ExerciseMissingAsync(uri);
            throw new InvalidOperationException("the consumer's assertion failed");
        }));

        error.Message.ShouldBe("the consumer's assertion failed");
        File.Exists(PactFile).ShouldBeFalse();
    }
}
