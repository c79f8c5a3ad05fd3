using System.Net;
using System.Text.Json;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Transactions.IntegrationTests.Access;

/// <summary>
/// Function level (OWASP API5, BFLA): every client route of the ledger, in every API version, needs an access token
/// (401 without one) granting its permission (403 with every permission but that one). The routes are read from the
/// running service, so a new route without an entry in <see cref="Required"/> fails here until someone decides who may
/// call it.
/// </summary>
public sealed class EveryRouteRequiresItsPermission(LedgerApi api) : IClassFixture<LedgerApi>
{
    /// <summary>Who may call what, by method and route without its version prefix: docs/api/transactions.md's table.</summary>
    public static readonly IReadOnlyDictionary<string, string> Required = new Dictionary<string, string>
    {
        ["POST /accounts/"] = Permissions.LedgerWrite,
        ["GET /accounts/{id:guid}"] = Permissions.LedgerRead,
        ["GET /accounts/"] = Permissions.LedgerRead,
        ["GET /accounts/{id:guid}/history"] = Permissions.LedgerRead,
        ["POST /accounts/{id:guid}/freeze"] = Permissions.AccountsFreeze,
        ["POST /accounts/{id:guid}/unfreeze"] = Permissions.AccountsFreeze,
        ["POST /accounts/{id:guid}/close"] = Permissions.LedgerWrite,
        ["POST /deposits"] = Permissions.LedgerFund,
        ["POST /withdrawals"] = Permissions.LedgerFund,
        ["POST /transfers"] = Permissions.LedgerWrite,
        ["POST /entries"] = Permissions.LedgerWrite,
        ["GET /entries/{id:guid}"] = Permissions.LedgerRead,
        ["POST /holds/"] = Permissions.LedgerWrite,
        ["GET /holds/{id:guid}"] = Permissions.LedgerRead,
        ["POST /holds/{id:guid}/post"] = Permissions.LedgerWrite,
        ["POST /holds/{id:guid}/void"] = Permissions.LedgerWrite,
        ["POST /reversals/"] = Permissions.LedgerWrite,
        ["GET /reversals/{id:guid}"] = Permissions.LedgerRead,
        ["GET /reversals/"] = Permissions.LedgerRead,
        ["POST /reversals/{id:guid}/approval"] = Permissions.ReversalsApprove,
        ["GET /ledger/verify"] = Permissions.LedgerVerify,
        ["GET /ledger/events"] = Permissions.LedgerVerify,
    };

    public static TheoryData<string> Versions() => ["v1", "v2"];

    private List<(string Method, string Route, string Version)> Routes()
    {
        var routes = new List<(string, string, string)>();
        foreach (var endpoint in api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var method in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var version = pattern.Split('/')[2];
                routes.Add((method, pattern[$"/api/{version}".Length..], version));
            }
        }
        return routes;
    }

    private static string Path(string version, string route) =>
        $"/api/{version}{route.Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)}";

    [Fact]
    public void EveryClientRoute_HasADecidedPermission_InBothVersions()
    {
        var routes = Routes();

        routes.Where(r => !Required.ContainsKey($"{r.Method} {r.Route}")).ShouldBeEmpty("a route nobody decided the permission of");
        routes.Select(r => r.Version).Distinct().Order().ShouldBe(["v1", "v2"]);
        foreach (var version in new[] { "v1", "v2" })
        {
            routes.Where(r => r.Version == version).Select(r => $"{r.Method} {r.Route}").Order().ShouldBe(Required.Keys.Order(), version);
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task WithoutAToken_EveryRouteIs401_AsAProblem(string version)
    {
        using var anonymous = new HttpClient { BaseAddress = api.Client.BaseAddress };
        foreach (var (method, route) in Required.Keys.Select(k => (k.Split(' ')[0], k.Split(' ')[1])))
        {
            using var response = await anonymous.SendAsync(Callers.Request(new HttpMethod(method), Path(version, route), caller: null, Body(method)));

            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"{method} {route}");
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            response.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
        }
    }

    /// <summary>Every permission but the route's own: only that one can be what lets a caller in.</summary>
    [Theory]
    [MemberData(nameof(Versions))]
    public async Task WithEveryPermissionButItsOwn_EveryRouteIs403_NamingIt(string version)
    {
        foreach (var (key, permission) in Required)
        {
            var (method, route) = (key.Split(' ')[0], key.Split(' ')[1]);
            var caller = Callers.As("almost-admin", Permissions.All.Where(p => p != permission));

            using var response = await api.Client.SendAsync(Callers.Request(new HttpMethod(method), Path(version, route), caller, Body(method)));

            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{key}: {text}");
            JsonDocument.Parse(text).RootElement.GetProperty("permission").GetString().ShouldBe(permission, key);
        }
    }

    /// <summary>A customer (auth-service's customer role) moves their own money but not money across the ledger's edge,
    /// and does none of staff's work.</summary>
    [Theory]
    [InlineData("POST /deposits")]
    [InlineData("POST /withdrawals")]
    [InlineData("POST /accounts/{id:guid}/freeze")]
    [InlineData("POST /accounts/{id:guid}/unfreeze")]
    [InlineData("POST /reversals/{id:guid}/approval")]
    [InlineData("GET /ledger/verify")]
    [InlineData("GET /ledger/events")]
    public async Task ACustomer_IsRefusedStaffWork(string key)
    {
        var (method, route) = (key.Split(' ')[0], key.Split(' ')[1]);

        using var response = await api.Client.SendAsync(Callers.Request(new HttpMethod(method), Path("v1", route), Callers.Customer("alice"), Body(method)));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A valid token of fraud-service's own client (client credentials) freezes and asks for reversals, as the
    /// fraud policy does, but cannot move money in or out.</summary>
    [Fact]
    public async Task FraudServicesOwnToken_FreezesButCannotFund()
    {
        var account = (await api.OpenAccountAsync("fraud-target")).Id;

        using var freeze = await api.Client.SendAsync(Callers.Request(HttpMethod.Post, $"/api/v1/accounts/{account}/freeze", Callers.FraudService(),
            new { reason = "alert" }));
        using var deposit = await api.Client.SendAsync(Callers.Request(HttpMethod.Post, "/api/v1/deposits", Callers.FraudService(),
            new { accountId = account, amount = 1, currency = "EUR" }));

        freeze.StatusCode.ShouldBe(HttpStatusCode.OK, await freeze.Content.ReadAsStringAsync());
        deposit.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private static object? Body(string method) => method == "POST" ? new { } : null;
}
