using System.Net;
using LedgerX.Fraud.Api;
using LedgerX.Fraud.Api.Policy;
using LedgerX.Pact;

namespace LedgerX.Contracts.ConsumerTests.FraudService;

/// <summary>
/// fraud-service → transaction-service: the high-score policy's <see cref="ITransactionServiceClient"/>, built by the
/// service's own factory (<see cref="FraudRegistration.CreateTransactionServiceClient"/>, same Refit settings) and
/// pointed at the Pact mock server. Declares only what the policy relies on: the status codes (the body of a success
/// is never read), that each call carries fraud-service's own bearer token, and that a refusal is final for
/// <see cref="PolicyWorker.IsFinalRefusal"/>.
/// </summary>
public sealed class TransactionServiceClientContract
{
    // Fixed examples keep the pact file byte-for-byte the same on every run.
    private static readonly Guid ExampleAccountId = Guid.Parse("0193a5c4-7f00-7000-8000-00000000a001");
    private static readonly Guid MissingAccountId = Guid.Parse("0193a5c4-7f00-7000-8000-00000000a0ff");
    private static readonly Guid ExampleEntryId = Guid.Parse("0193a5c4-7f00-7000-8000-00000000e001");
    private static readonly Guid MissingEntryId = Guid.Parse("0193a5c4-7f00-7000-8000-00000000e0ff");
    private const string Reason = "fraud-service alert 0193a5c4-7f00-7000-8000-00000000f001 (score 92)";

    /// <summary>The policy's keys: one per alert and action, so a retried action has exactly one effect. Each interaction
    /// is a different alert, so no two share a key when the provider verifies them all against one database.</summary>
    private const string IdempotencyKeyPattern = "^fraud-alert-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-(freeze|reverse)$";

    private static string KeyFor(int alert, string action) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"fraud-alert-0193a5c4-7f00-7000-8000-00000000f00{alert}-{action}");

    private static IMatcher IdempotencyKey(int alert, string action) => Match.Regex(KeyFor(alert, action), IdempotencyKeyPattern);

    /// <summary>fraud-service's own client-credentials token (ServiceTokenHandler adds it to every call): any bearer
    /// token here; the provider's verification supplies a valid one.</summary>
    private const string ExampleBearer = "eyJhbGciOiJSUzI1NiJ9.example.signature";

    private static IMatcher ServiceToken => Match.Regex("Bearer " + ExampleBearer, "^Bearer [A-Za-z0-9._~+/=-]+$");

    private static object ProblemBody(int status, string title) => new { status, title = Match.Type(title) };

    [Fact]
    public async Task FreezingAnOpenAccount_Succeeds()
    {
        var pact = Pacts.New(Pacts.FraudOnLedger);
        pact.UponReceiving("a request to freeze an open account")
            .Given("an open account")
            .WithRequest("POST", Match.FromProviderState("/api/v1/accounts/${accountId}/freeze", $"/api/v1/accounts/{ExampleAccountId}/freeze"))
            .WithHeader("Idempotency-Key", IdempotencyKey(1, "freeze"))
            .WithHeader("Authorization", ServiceToken)
            .WithJsonBody(new { reason = Match.Type(Reason) })
            .WillRespond()
            .WithStatus(200);

        await pact.VerifyAsync(async uri =>
        {
            using var response = await Client(uri).FreezeAccountAsync(ExampleAccountId, new FreezeAccountBody(Reason), KeyFor(1, "freeze"));

            response.IsSuccessful.ShouldBeTrue(response.Error?.Message);
        });
    }

    [Fact]
    public async Task FreezingAnAccountThatDoesNotExist_IsAFinalRefusal()
    {
        var pact = Pacts.New(Pacts.FraudOnLedger);
        pact.UponReceiving("a request to freeze an account that does not exist")
            .Given("no account exists with the requested id")
            .WithRequest("POST", $"/api/v1/accounts/{MissingAccountId}/freeze")
            .WithHeader("Idempotency-Key", IdempotencyKey(2, "freeze"))
            .WithHeader("Authorization", ServiceToken)
            .WithJsonBody(new { reason = Match.Type(Reason) })
            .WillRespond()
            .WithStatus(404)
            .WithJsonBody(ProblemBody(404, "Not Found"), "application/problem+json");

        await pact.VerifyAsync(async uri =>
        {
            using var response = await Client(uri).FreezeAccountAsync(MissingAccountId, new FreezeAccountBody(Reason), KeyFor(2, "freeze"));

            response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            PolicyWorker.IsFinalRefusal(response.StatusCode.ShouldNotBeNull()).ShouldBeTrue("retrying a freeze of an account that does not exist cannot succeed");
        });
    }

    [Fact]
    public async Task ReversingAPostedEntry_IsAccepted()
    {
        var pact = Pacts.New(Pacts.FraudOnLedger);
        pact.UponReceiving("a request to reverse a posted entry")
            .Given("a posted deposit")
            .WithRequest("POST", "/api/v1/reversals")
            .WithHeader("Idempotency-Key", IdempotencyKey(3, "reverse"))
            .WithHeader("Authorization", ServiceToken)
            .WithJsonBody(new { entryId = Match.FromProviderState("${entryId}", ExampleEntryId.ToString()), reason = Match.Type(Reason) })
            .WillRespond()
            .WithStatus(202);

        await pact.VerifyAsync(async uri =>
        {
            using var response = await Client(uri).StartReversalAsync(new StartReversalBody(ExampleEntryId, Reason), KeyFor(3, "reverse"));

            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            response.IsSuccessful.ShouldBeTrue();
        });
    }

    /// <summary>transaction-service refuses a reversal of an unknown entry as a broken rule (422 entry_not_found, see
    /// ReversalsApi → Ledger.DecideRequestReversal), not 404; either way the policy gives up at once.</summary>
    [Fact]
    public async Task ReversingAnEntryThatDoesNotExist_IsAFinalRefusal()
    {
        var pact = Pacts.New(Pacts.FraudOnLedger);
        pact.UponReceiving("a request to reverse an entry that does not exist")
            .Given("no entry exists with the requested id")
            .WithRequest("POST", "/api/v1/reversals")
            .WithHeader("Idempotency-Key", IdempotencyKey(4, "reverse"))
            .WithHeader("Authorization", ServiceToken)
            .WithJsonBody(new { entryId = MissingEntryId.ToString(), reason = Match.Type(Reason) })
            .WillRespond()
            .WithStatus(422)
            .WithJsonBody(ProblemBody(422, "Unprocessable Entity"), "application/problem+json");

        await pact.VerifyAsync(async uri =>
        {
            using var response = await Client(uri).StartReversalAsync(new StartReversalBody(MissingEntryId, Reason), KeyFor(4, "reverse"));

            response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            PolicyWorker.IsFinalRefusal(response.StatusCode.ShouldNotBeNull()).ShouldBeTrue("retrying a reversal of an entry that does not exist cannot succeed");
        });
    }

    /// <summary>The client as registered, with the header the service's token handler adds.</summary>
    private static ITransactionServiceClient Client(Uri mockServer)
    {
        var http = new HttpClient { BaseAddress = mockServer };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ExampleBearer);
        return FraudRegistration.CreateTransactionServiceClient(http);
    }
}
