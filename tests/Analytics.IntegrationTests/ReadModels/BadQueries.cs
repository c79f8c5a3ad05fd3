using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>Bad query input is a 400 validation problem that names the field.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class BadQueries(LedgerAndAnalytics env)
{
    private static readonly Guid Someone = Guid.CreateVersion7();

    [Theory]
    [InlineData("/api/v1/accounts/not-a-uuid/balance-history", "accountId")]
    [InlineData("/api/v1/accounts/{id}/balance-history?limit=0", "limit")]
    [InlineData("/api/v1/accounts/{id}/balance-history?limit=501", "limit")]
    [InlineData("/api/v1/accounts/{id}/balance-history?after=abc", "after")]
    [InlineData("/api/v1/accounts/{id}/spending?fromMonth=2026-13", "fromMonth")]
    [InlineData("/api/v1/accounts/{id}/spending?fromMonth=2020-01&toMonth=2026-01", "toMonth")]
    [InlineData("/api/v1/accounts/{id}/counterparties?limit=1000", "limit")]
    [InlineData("/api/v1/ledger/volumes/daily?from=28-11-2026", "from")]
    [InlineData("/api/v1/ledger/volumes/daily?currency=eur", "currency")]
    [InlineData("/api/v1/ledger/activity/daily?from=2026-11-28&to=2026-11-01", "from")]
    // The shared rule: a NUL character in a query value is refused before any handler sees it.
    [InlineData("/api/v1/ledger/volumes/daily?currency=E%00R", "currency")]
    [InlineData("/api/v1/accounts/{id}/spending?fromMonth=2026-01%00", "fromMonth")]
    public async Task IsAValidationProblem_NamingTheField(string url, string field)
    {
        var response = await env.Analytics.Client.GetAsync(url.Replace("{id}", Someone.ToString(), StringComparison.Ordinal));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        problem!["code"]!.GetValue<string>().ShouldBe("validation");
        problem["errors"]!.AsObject().Select(e => e.Key).ShouldBe([field]);
    }

    [Theory]
    [InlineData("GET", "/api/v1/no-such-report", 404, "not_found")]
    [InlineData("DELETE", "/api/v1/ledger/volumes/daily", 405, "method_not_allowed")]
    public async Task UnknownPathsAndMethods_AreProblemsWithAStableCode(string method, string url, int status, string code)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        var response = await env.Analytics.Client.SendAsync(request);

        ((int)response.StatusCode).ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        problem!["code"]!.GetValue<string>().ShouldBe(code);
        problem["type"]!.GetValue<string>().ShouldBe($"https://ledgerx.dev/problems/{code}");
        problem["detail"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
    }
}
