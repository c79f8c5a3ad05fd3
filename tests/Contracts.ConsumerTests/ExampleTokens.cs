using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LedgerX.Pact;

namespace LedgerX.Contracts.ConsumerTests;

/// <summary>
/// The access token a consumer sends, as a pact shows it: an unsigned example JWT whose claims are the consumer's
/// principal and permissions. The pact pins who calls with what (the header must be a bearer JWT); the provider's test
/// host replaces the example by a token with the same claims that the provider trusts
/// (tests/Contracts.ProviderTests PactTokens), so verification fails if the declared permissions are not enough. No
/// time claims: the pact file stays byte-for-byte the same on every run.
/// </summary>
public static class ExampleTokens
{
    /// <summary>Marks a token as a pact example (the provider side re-signs only these).</summary>
    public const string Issuer = "urn:ledgerx:pact-example";

    private const string JwtPattern = "^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$";

    /// <summary>fraud-service's own client-credentials token: it freezes accounts and asks for reversals on its own account.</summary>
    public static readonly string FraudService = ClientToken(Participants.FraudService, "accounts:freeze accounts:any ledger:write ledger:read");

    /// <summary>analytics-service's own client-credentials token: rebuilding its read models exports the ledger's log.</summary>
    public static readonly string AnalyticsService = ClientToken(Participants.AnalyticsService, "ledger:verify ledger:read");

    /// <summary>A user's token that a service forwards on their behalf (an administrator starting an analytics rebuild,
    /// which exports the ledger's log: ledger:verify).</summary>
    public static readonly string RebuildCaller = UserToken("admin-example", "ledger:read ledger:verify analytics:rebuild");

    /// <summary>The Authorization header as the pact states it.</summary>
    public static IMatcher Header(string token) => Match.Regex($"Bearer {token}", JwtPattern);

    /// <summary>An HttpClient on the mock server that sends <paramref name="token"/>, as the consumer's real client sends its own.</summary>
    public static HttpClient Client(Uri mockServer, string token) =>
        new() { BaseAddress = mockServer, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

    private static string ClientToken(string clientId, string scope) => Token(clientId, clientId, scope);

    /// <summary>A user signed in through a client: the subject is the user, the client someone else.</summary>
    private static string UserToken(string subject, string scope) => Token(subject, "ledgerx-web", scope);

    private static string Token(string subject, string clientId, string scope)
    {
        var header = new JsonObject { ["alg"] = "none", ["typ"] = "at+jwt" };
        var payload = new JsonObject
        {
            ["iss"] = Issuer, ["aud"] = "ledgerx-api", ["sub"] = subject, ["client_id"] = clientId, ["scope"] = scope,
        };
        return $"{Encode(header.ToJsonString())}.{Encode(payload.ToJsonString())}.";
    }

    private static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
