using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LedgerX.Contracts.ProviderTests.Infrastructure;

/// <summary>
/// The provider states transaction-service's consumers may name, each made real through the service's own public
/// HTTP API (open an account, deposit), so every state obeys the ledger's invariants exactly as production data does.
/// A state answers the values the consumer's <c>Match.FromProviderState</c> expressions use (<c>${accountId}</c>, ...).
/// </summary>
/// <remarks>
/// Nothing needs undoing on teardown: every state creates fresh accounts, and every verification runs against its own
/// database. To add a state: add a row to <see cref="All"/> (README.md, "Adding a provider state").
/// </remarks>
public sealed class ProviderStates(HttpClient api)
{
    /// <summary>Deposits are small and in EUR: nothing the contracts read depends on the amount.</summary>
    private const long DepositAmount = 10_000;
    private const string Currency = "EUR";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>State name (exactly as the consumers write it) → what sets it up and the values it answers.</summary>
    public static readonly IReadOnlyDictionary<string, Func<ProviderStates, CancellationToken, Task<IReadOnlyDictionary<string, string>>>> All =
        new Dictionary<string, Func<ProviderStates, CancellationToken, Task<IReadOnlyDictionary<string, string>>>>(StringComparer.Ordinal)
        {
            ["an open account"] = async (s, ct) => new Dictionary<string, string>
            {
                ["accountId"] = (await s.OpenAccountAsync("pact-open-account", ct)).ToString(),
            },
            // Account ids are fresh UUIDs: the id in the consumer's example names no account here.
            ["no account exists with the requested id"] = (_, _) => Nothing(),
            ["a posted deposit"] = async (s, ct) =>
            {
                var account = await s.OpenAccountAsync("pact-posted-deposit", ct);
                var entry = await s.DepositAsync(account, ct);
                return new Dictionary<string, string> { ["entryId"] = entry.ToString(), ["accountId"] = account.ToString() };
            },
            ["no entry exists with the requested id"] = (_, _) => Nothing(),
            // The gateway's merge of OpenAPI documents: every running transaction-service serves its own.
            ["transaction-service documents its API"] = (_, _) => Nothing(),
            // An account opened and a deposit posted: the log holds at least the account's opening and the deposit's posting.
            ["the ledger has posted a deposit"] = async (s, ct) =>
            {
                await s.DepositAsync(await s.OpenAccountAsync("pact-ledger-events", ct), ct);
                return new Dictionary<string, string>();
            },
        };

    public static IReadOnlyCollection<string> Names => [.. All.Keys.Order(StringComparer.Ordinal)];

    private static Task<IReadOnlyDictionary<string, string>> Nothing() => Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());

    private async Task<Guid> OpenAccountAsync(string owner, CancellationToken ct)
    {
        // The owner is the caller: opened with the owner's token from the test issuer the host trusts (AppOnKestrel).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts") { Content = JsonContent.Create(new { currency = Currency }) };
        request.Headers.Authorization = LedgerX.Testing.TestTokens.Shared.Bearer(owner, LedgerX.ServiceDefaults.Auth.Permissions.LedgerWrite);
        var response = await api.SendAsync(request, ct);
        return await IdOfCreatedAsync(response, "open an account", ct);
    }

    private async Task<Guid> DepositAsync(Guid account, CancellationToken ct)
    {
        var response = await api.PostAsJsonAsync("/api/v1/deposits", new { accountId = account, amount = DepositAmount, currency = Currency }, ct);
        return await IdOfCreatedAsync(response, $"deposit into {account}", ct);
    }

    private static async Task<Guid> IdOfCreatedAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException(
                    $"Could not {what}: the service answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
            return body.GetProperty("id").GetGuid();
        }
    }
}
