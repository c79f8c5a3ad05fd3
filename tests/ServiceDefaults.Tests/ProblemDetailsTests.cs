using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;

namespace LedgerX.ServiceDefaults.Tests;

public sealed class ProblemDetailsTests
{
    [Fact]
    public async Task TypeMismatchInTheBody_Is400NamingTheField()
    {
        using var problem = await PostAsync("/transfers", """{"amount":"abc","currency":"EUR"}""");

        problem.Status.ShouldBe(HttpStatusCode.BadRequest);
        problem.Errors().Keys.ShouldBe(["amount"]);
        problem.Errors()["amount"].ShouldBe(["The value is not a valid integer."]);
        problem.Body.GetProperty("type").GetString().ShouldBe("https://ledgerx.dev/problems/validation");
        problem.Body.GetProperty("instance").GetString().ShouldBe("/transfers");
        problem.Body.GetProperty("traceId").GetString()!.ShouldMatch("^[0-9a-f]{32}$");
    }

    [Theory]
    [InlineData("amount", "12.5", "The value is not a valid integer.")]
    [InlineData("accountId", "\"not-a-uuid\"", "The value is not a valid UUID.")]
    public async Task TypeMismatchInANestedList_NamesThePathToTheField(string field, string value, string expected)
    {
        var json = $$$"""{"postings":[{"accountId":"{{{Guid.NewGuid()}}}","amount":-5},{"{{{field}}}":{{{value}}}}]}""";

        using var problem = await PostAsync("/entries", json);

        problem.Status.ShouldBe(HttpStatusCode.BadRequest);
        problem.Errors().Keys.ShouldBe([$"postings[1].{field}"]);
        problem.Errors()[$"postings[1].{field}"].ShouldBe([expected]);
    }

    [Fact]
    public async Task TruncatedJson_Is400NamingTheFieldWhereItBroke()
    {
        using var problem = await PostAsync("/transfers", """{"amount":100,"currency":"EU""");

        problem.Status.ShouldBe(HttpStatusCode.BadRequest);
        problem.Errors().Keys.ShouldBe(["currency"]);
        problem.Errors()["currency"].ShouldBe(["The request body is not valid JSON here."]);
    }

    [Fact]
    public async Task UnhandledException_Is500WithoutTheExceptionMessage()
    {
        await using var app = await SampleService.StartAsync();

        using var response = await app.GetTestClient().GetAsync(new Uri("/boom", UriKind.Relative), TestContext.Current.CancellationToken);
        using var problem = await ProblemResponse.ReadAsync(response);

        problem.Status.ShouldBe(HttpStatusCode.InternalServerError);
        problem.Text.ShouldNotContain("hunter2");
        problem.Text.ShouldNotContain(nameof(InvalidOperationException));
        problem.Body.GetProperty("traceId").GetString().ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("GET", "/no-such-route", HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/ping", HttpStatusCode.MethodNotAllowed)]
    public async Task BareStatusCodes_AreProblemDetails(string method, string path, HttpStatusCode expected)
    {
        await using var app = await SampleService.StartAsync();

        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await app.GetTestClient().SendAsync(request, TestContext.Current.CancellationToken);
        using var problem = await ProblemResponse.ReadAsync(response);

        problem.Status.ShouldBe(expected);
        problem.Body.GetProperty("status").GetInt32().ShouldBe((int)expected);
        problem.Body.GetProperty("instance").GetString().ShouldBe(path);
    }

    [Fact]
    public async Task DomainConflict_CarriesItsCodeAndTypeUri()
    {
        await using var app = await SampleService.StartAsync();

        using var response = await app.GetTestClient().GetAsync(new Uri("/frozen", UriKind.Relative), TestContext.Current.CancellationToken);
        using var problem = await ProblemResponse.ReadAsync(response);

        problem.Status.ShouldBe(HttpStatusCode.Conflict);
        problem.Body.GetProperty("type").GetString().ShouldBe("https://ledgerx.dev/problems/account-frozen");
        problem.Body.GetProperty("code").GetString().ShouldBe("account-frozen");
        problem.Body.GetProperty("detail").GetString().ShouldBe("Account 42 is frozen.");
        problem.Body.GetProperty("traceId").GetString()!.ShouldMatch("^[0-9a-f]{32}$");
    }

    [Fact]
    public async Task DomainValidation_LooksLikeAnUnreadableBody()
    {
        await using var app = await SampleService.StartAsync();

        using var response = await app.GetTestClient().GetAsync(new Uri("/invalid", UriKind.Relative), TestContext.Current.CancellationToken);
        using var problem = await ProblemResponse.ReadAsync(response);

        problem.Status.ShouldBe(HttpStatusCode.BadRequest);
        problem.Errors().Keys.ShouldBe(["currency"]);
        problem.Errors()["currency"].ShouldBe(["Use an ISO 4217 code."]);
        problem.Body.GetProperty("code").GetString().ShouldBe("validation");
    }

    [Fact]
    public async Task OversizedBody_Is413Problem()
    {
        // TestServer does not enforce Kestrel's limits, so this one goes over a real socket.
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { ["Http:MaxRequestBodyBytes"] = "1024" }, kestrel: true);
        await using var app = await SampleService.StartAsync(builder);
        using var client = new HttpClient { BaseAddress = app.Address() };
        var transfer = new TransferRequest(100, new string('X', 2048));

        using var response = await client.PostAsJsonAsync("/transfers", transfer, TestContext.Current.CancellationToken);
        using var problem = await ProblemResponse.ReadAsync(response);

        problem.Status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        problem.Body.GetProperty("status").GetInt32().ShouldBe(413);
    }

    [Fact]
    public async Task BodyWithinTheLimit_IsServed()
    {
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { ["Http:MaxRequestBodyBytes"] = "1024" }, kestrel: true);
        await using var app = await SampleService.StartAsync(builder);
        using var client = new HttpClient { BaseAddress = app.Address() };

        using var response = await client.PostAsJsonAsync("/transfers", new TransferRequest(100, "EUR"), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task<ProblemResponse> PostAsync(string path, string json)
    {
        await using var app = await SampleService.StartAsync();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await app.GetTestClient().PostAsync(new Uri(path, UriKind.Relative), content, TestContext.Current.CancellationToken);
        return await ProblemResponse.ReadAsync(response);
    }
}
