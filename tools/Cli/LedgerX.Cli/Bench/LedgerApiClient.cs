using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Bench;

/// <summary>What one transfer request came to.</summary>
internal enum TransferOutcome
{
    /// <summary>201: the transfer was applied and committed.</summary>
    Applied,

    /// <summary>422 insufficient_funds: refused by the ledger's rules, as it should be; not an error.</summary>
    Refused,

    /// <summary>Any other HTTP status: a bug or an overloaded service.</summary>
    OtherStatus,

    /// <summary>No HTTP answer at all (connection refused or reset, timeout).</summary>
    TransportError,
}

/// <summary>
/// The few calls the bench makes, over one shared <see cref="HttpClient"/>. Transfers are on the hot path: the body
/// is written by hand into a small byte array and a 201's body is not parsed, so the client's share of the 2 cores
/// it shares with the service and PostgreSQL stays small.
/// </summary>
/// <param name="token">An access token with <c>ledger:write</c>: opening an account needs one, and the account is its
/// subject's.</param>
internal sealed class LedgerApiClient(HttpClient http, Uri baseUrl, string token)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly Uri _transfers = ServiceUrls.Api(baseUrl, "api/v1/transfers");
    private readonly Uri _deposits = ServiceUrls.Api(baseUrl, "api/v1/deposits");
    private readonly Uri _accounts = ServiceUrls.Api(baseUrl, "api/v1/accounts");

    public Uri BaseUrl => baseUrl;

    public HttpClient Http => http;

    /// <summary>Opens an account owned by the token's subject (the ledger takes the owner from the token).</summary>
    public async Task<Guid> OpenAccountAsync(string currency, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _accounts) { Content = JsonContent.Create(new { currency }, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        await EnsureCreatedAsync(response, "open an account", ct);
        var account = await response.Content.ReadFromJsonAsync<AccountCreated>(Json, ct);
        return account?.Id ?? throw new BenchSetupException("Opening an account returned no id.");
    }

    public async Task DepositAsync(Guid accountId, long amount, string currency, CancellationToken ct)
    {
        // Every ledger route needs a token now (issue 15), not only opening.
        using var request = new HttpRequestMessage(HttpMethod.Post, _deposits) { Content = JsonContent.Create(new { accountId, amount, currency }, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        await EnsureCreatedAsync(response, "deposit", ct);
    }

    /// <summary>One transfer; never throws for an HTTP outcome, only when <paramref name="ct"/> is cancelled.</summary>
    public async Task<(TransferOutcome Outcome, int StatusCode, string? Detail)> TransferAsync(
        Guid from, Guid to, long amount, string currency, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$"""{"fromAccountId":"{{from}}","toAccountId":"{{to}}","amount":{{amount}},"currency":"{{currency}}"}"""));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonContentType;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _transfers) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return (TransferOutcome.Applied, 201, null);
            }
            var text = await response.Content.ReadAsStringAsync(ct);
            var code = ProblemCode(text);
            return response.StatusCode == HttpStatusCode.UnprocessableEntity && code == "insufficient_funds"
                ? (TransferOutcome.Refused, 422, code)
                : (TransferOutcome.OtherStatus, (int)response.StatusCode, code ?? Shorten(text));
        }
        catch (HttpRequestException ex)
        {
            return (TransferOutcome.TransportError, 0, ex.GetBaseException().Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (TransferOutcome.TransportError, 0, $"no answer within {http.Timeout.TotalSeconds:0} s");
        }
    }

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(ServiceUrls.Api(baseUrl, "healthz"), ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The service's Prometheus text, or null where it is not exposed (e.g. through Dapr invocation).</summary>
    public async Task<string?> MetricsAsync(CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(ServiceUrls.Api(baseUrl, "metrics"), ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task EnsureCreatedAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.StatusCode != HttpStatusCode.Created)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            throw new BenchSetupException($"Could not {what}: HTTP {(int)response.StatusCode}: {Shorten(text)}");
        }
    }

    /// <summary>The problem+json "code" extension, which is what clients branch on (never the prose).</summary>
    private static string? ProblemCode(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("code", out var code)
                ? code.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private sealed record AccountCreated(Guid Id);
}

/// <summary>The bench could not set up its accounts or environment; the message says what and why.</summary>
internal sealed class BenchSetupException(string message, Exception? inner = null) : Exception(message, inner);
