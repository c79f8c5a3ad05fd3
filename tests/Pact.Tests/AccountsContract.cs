using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.Pact.Tests;

/// <summary>
/// A small consumer→provider contract the tests share: a consumer freezing an account (provider-state values in
/// path, query, header and body) and asking for an account that does not exist.
/// </summary>
internal static class AccountsContract
{
    public const string Consumer = "test-consumer";
    public const string Provider = "test-provider";

    public const string Freeze = "a request to freeze an open account";
    public const string Missing = "a request for an account that does not exist";

    public static readonly Guid ExampleAccountId = Guid.Parse("0193a5c4-7f00-7000-8000-000000000001");
    public static readonly Guid MissingAccountId = Guid.Parse("0193a5c4-7f00-7000-8000-0000000000ff");

    public static PactBuilder Declare(string pactDirectory)
    {
        var pact = new PactBuilder(Consumer, Provider, pactDirectory);
        DeclareFreeze(pact);
        DeclareMissing(pact);
        return pact;
    }

    public static void DeclareFreeze(PactBuilder pact) =>
        pact.UponReceiving(Freeze)
            .Given("an open account", new { currency = "EUR" })
            .WithRequest("POST", Match.FromProviderState("/api/v1/accounts/${accountId}/freeze", $"/api/v1/accounts/{ExampleAccountId}/freeze"))
            .WithQuery("requestedBy", Match.FromProviderState("${operatorId}", "operator-1"))
            .WithHeader("Idempotency-Key", Match.FromProviderState("${idempotencyKey}", "key-1"))
            .WithJsonBody(new
            {
                reason = Match.Type("suspicious activity"),
                accountId = Match.FromProviderState("${accountId}", ExampleAccountId.ToString()),
            })
            .WillRespond()
            .WithStatus(200)
            .WithJsonBody(new
            {
                accountId = Match.Uuid(ExampleAccountId),
                status = Match.Regex("frozen", "^(open|frozen)$"),
                frozenAt = Match.Timestamp("2026-01-02T03:04:05Z", "yyyy-MM-dd'T'HH:mm:ssX"),
            });

    public static void DeclareMissing(PactBuilder pact) =>
        pact.UponReceiving(Missing)
            .Given("no account exists with the requested id")
            .WithRequest("GET", $"/api/v1/accounts/{MissingAccountId}")
            .WillRespond()
            .WithStatus(404)
            .WithJsonBody(new { status = 404, title = Match.Type("Not Found") }, "application/problem+json");

    /// <summary>The consumer's code: what a typed client would send for both interactions.</summary>
    public static async Task ExerciseAsync(Uri baseUri)
    {
        await ExerciseFreezeAsync(baseUri);
        await ExerciseMissingAsync(baseUri);
    }

    public static async Task ExerciseFreezeAsync(Uri baseUri, object? reason = null)
    {
        using var http = new HttpClient { BaseAddress = baseUri };
        using var freeze = new HttpRequestMessage(HttpMethod.Post, $"api/v1/accounts/{ExampleAccountId}/freeze?requestedBy=operator-1");
        freeze.Headers.Add("Idempotency-Key", "key-1");
        freeze.Content = JsonContent.Create(new { reason = reason ?? "suspicious activity", accountId = ExampleAccountId });
        using var frozen = await http.SendAsync(freeze);
        frozen.EnsureSuccessStatusCode();
    }

    public static async Task ExerciseMissingAsync(Uri baseUri)
    {
        using var http = new HttpClient { BaseAddress = baseUri };
        using var missing = await http.GetAsync(new Uri($"api/v1/accounts/{MissingAccountId}", UriKind.Relative));
        if ((int)missing.StatusCode != 404)
        {
            throw new InvalidOperationException($"Expected 404, got {(int)missing.StatusCode}.");
        }
    }
}

/// <summary>What the provider received for the freeze request, to prove provider-state values reached it.</summary>
internal sealed record FreezeReceived(string PathAccountId, string? RequestedBy, string? IdempotencyKey, string? BodyAccountId);

/// <summary>A provider implementing <see cref="AccountsContract"/>, correctly or with a renamed response field.</summary>
internal sealed class AccountsProvider : IAsyncDisposable
{
    private readonly TinyHost _host;

    private AccountsProvider(TinyHost host, ProviderStates states, ConcurrentQueue<FreezeReceived> received)
    {
        _host = host;
        States = states;
        Received = received;
    }

    public ProviderStates States { get; }

    public ConcurrentQueue<FreezeReceived> Received { get; }

    /// <summary>The account the "an open account" state created (what FromProviderState must put in the request).</summary>
    public static readonly Guid OpenedAccountId = Guid.Parse("0193a5c4-7f00-7000-8000-00000000a11c");

    public Uri BaseUrl => _host.BaseUrl;

    public Uri ProviderStateUrl => new(_host.BaseUrl, ProviderStates.Path.TrimStart('/'));

    /// <param name="statusFieldName">"status" is right; anything else is the broken provider the gate must catch.</param>
    public static async Task<AccountsProvider> StartAsync(string statusFieldName = "status")
    {
        var states = new ProviderStates()
            .Answer("an open account", new { accountId = OpenedAccountId, operatorId = "operator-42", idempotencyKey = "key-42" });
        var received = new ConcurrentQueue<FreezeReceived>();
        var host = await TinyHost.StartAsync(app =>
        {
            states.Map(app);
            app.MapPost("/api/v1/accounts/{id}/freeze", async (string id, HttpRequest request) =>
            {
                var body = await JsonNode.ParseAsync(request.Body) as JsonObject;
                received.Enqueue(new FreezeReceived(
                    id, request.Query["requestedBy"], request.Headers["Idempotency-Key"], body?["accountId"]?.GetValue<string>()));
                var answer = new JsonObject
                {
                    ["accountId"] = id,
                    [statusFieldName] = "frozen",
                    ["frozenAt"] = "2026-11-28T20:00:00Z",
                };
                return Results.Text(answer.ToJsonString(), "application/json", Encoding.UTF8);
            });
            app.MapGet("/api/v1/accounts/{id}", (string id) =>
                Results.Problem(statusCode: 404, title: "Not Found", detail: $"No account {id}."));
        });
        return new AccountsProvider(host, states, received);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}
