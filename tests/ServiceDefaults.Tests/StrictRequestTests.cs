using System.Net;
using System.Text;
using System.Text.Json;
using LedgerX.ServiceDefaults.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// Input the services must not take: numbers as strings, repeated fields, NUL characters (PostgreSQL cannot store them),
/// query values of the wrong type, no body, a body that is not JSON. Each is a 400 (or 415) problem with a stable code,
/// the field at fault and no .NET type names.
/// </summary>
public sealed class StrictRequestTests
{
    [Fact]
    public async Task NumberSentAsAString_Is400NamingTheField()
    {
        using var problem = await SendAsync(HttpMethod.Post, "/transfers", """{"amount":"12","currency":"EUR"}""");

        problem.ShouldBeValidation("amount", "The value is not a valid integer.");
        problem.Body.GetProperty("detail").GetString().ShouldBe("The field 'amount' is invalid: The value is not a valid integer.");
    }

    [Fact]
    public async Task FieldSentTwice_Is400NamingTheField_InsteadOfTheLastOneWinning()
    {
        using var problem = await SendAsync(HttpMethod.Post, "/transfers", """{"amount":1,"currency":"EUR","amount":999999}""");

        problem.ShouldBeValidation("amount", "The field appears more than once; send each field once.");
    }

    [Fact]
    public async Task KeySentTwiceInADictionary_Is400()
    {
        using var problem = await SendAsync(HttpMethod.Post, "/notes", """{"text":"x","tags":{"a":"1","a":"2"}}""");

        problem.ShouldBeValidation("tags.a", "The field appears more than once; send each field once.");
    }

    [Theory]
    [InlineData("""{"text":"a\u0000b"}""", "text")]
    [InlineData("""{"text":"x","tags":{"colour":"re\u0000d"}}""", "tags.colour")]
    [InlineData("""{"text":"x","tags":{"col\u0000our":"red"}}""", "tags")]
    [InlineData("""{"text":"x","lines":["one","tw\u0000o"]}""", "lines[1]")]
    [InlineData("""{"text":"x","replies":[{"text":"ok"},{"text":"\u0000"}]}""", "replies[1].text")]
    public async Task NulCharacterInAnyString_Is400NamingTheField(string json, string field)
    {
        using var problem = await SendAsync(HttpMethod.Post, "/notes", json);

        problem.ShouldBeValidation(field, StrictJson.NulCharacterMessage);
    }

    [Fact]
    public async Task NulCharacterInAQueryValue_Is400NamingTheParameter()
    {
        using var problem = await SendAsync(HttpMethod.Get, "/accounts?ownerId=al%00ice", body: null);

        problem.ShouldBeValidation("ownerId", StrictJson.NulCharacterMessage);
    }

    [Theory]
    [InlineData("/accounts?limit=abc", "limit", "The value is not a valid integer.")]
    [InlineData("/accounts?after=not-a-uuid", "after", "The value is not a valid UUID.")]
    [InlineData("/required", "limit", "The limit parameter is required.")]
    [InlineData("/alerts?minScore=high", "minScore", "The value is not a valid integer.")]
    public async Task QueryValueOfTheWrongTypeOrMissing_Is400NamingTheParameter_WithoutDotNetTypes(string path, string field, string message)
    {
        using var problem = await SendAsync(HttpMethod.Get, path, body: null);

        problem.ShouldBeValidation(field, message);
        problem.Body.GetProperty("detail").GetString()!.ShouldContain(field);
        problem.Text.ShouldNotContain("Nullable");
        problem.Text.ShouldNotContain("Int32");
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task NoBody_Is400NamingTheBody(string? contentType)
    {
        await using var app = await SampleService.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/transfers", UriKind.Relative)) { Content = new ByteArrayContent([]) };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = new(contentType);
        }
        using var response = await app.GetTestClient().SendAsync(request, TestContext.Current.CancellationToken);
        using var problem = await ProblemResponse.ReadAsync(response);

        problem.ShouldBeValidation("$", "A JSON request body is required.");
        problem.Text.ShouldNotContain("Service");
    }

    [Fact]
    public async Task BodyThatIsNotJson_Is415WithCodeAndDetail()
    {
        await using var app = await SampleService.StartAsync();
        using var content = new StringContent("amount=1", Encoding.UTF8, "text/plain");
        using var response = await app.GetTestClient().PostAsync(new Uri("/transfers", UriKind.Relative), content, TestContext.Current.CancellationToken);
        using var problem = await ProblemResponse.ReadAsync(response);

        problem.Status.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        problem.Body.GetProperty("code").GetString().ShouldBe("unsupported_media_type");
        problem.Body.GetProperty("type").GetString().ShouldBe("https://ledgerx.dev/problems/unsupported_media_type");
        problem.Body.GetProperty("detail").GetString().ShouldBe("The request body must be JSON, sent with Content-Type: application/json.");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OversizedBody_Is413NamingTheLimit(bool chunked)
    {
        // TestServer does not enforce Kestrel's limits, so this one goes over a real socket.
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { ["Http:MaxRequestBodyBytes"] = "1024" }, kestrel: true);
        await using var app = await SampleService.StartAsync(builder);
        using var client = new HttpClient { BaseAddress = app.Address() };
        var json = $$"""{"amount":1,"currency":"{{new string('X', 2048)}}"}""";
        using HttpContent content = chunked ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))) : new StringContent(json);
        content.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync(new Uri("/transfers", UriKind.Relative), content, TestContext.Current.CancellationToken);
        using var problem = await ProblemResponse.ReadAsync(response);

        problem.Status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        problem.Body.GetProperty("code").GetString().ShouldBe("request_too_large");
        problem.Body.GetProperty("detail").GetString().ShouldBe("The request body is larger than the limit of 1024 bytes.");
        problem.Body.GetProperty("maxBodyBytes").GetInt64().ShouldBe(1024);
    }

    [Fact]
    public async Task EveryBadRequest_HasTheSameTitle_WhoeverProducedIt()
    {
        using var fromTheBinder = await SendAsync(HttpMethod.Post, "/transfers", """{"amount":"x","currency":"EUR"}""");
        using var fromAHandler = await SendAsync(HttpMethod.Get, "/invalid", body: null);
        using var fromTheQuery = await SendAsync(HttpMethod.Get, "/accounts?limit=abc", body: null);

        fromTheBinder.Body.GetProperty("title").GetString().ShouldBe("Bad Request");
        fromAHandler.Body.GetProperty("title").GetString().ShouldBe("Bad Request");
        fromTheQuery.Body.GetProperty("title").GetString().ShouldBe("Bad Request");
    }

    [Theory]
    [InlineData("GET", "/no-such-route", "not_found")]
    [InlineData("DELETE", "/ping", "method_not_allowed")]
    public async Task BareStatusCodes_CarryAStableCode(string method, string path, string code)
    {
        using var problem = await SendAsync(new HttpMethod(method), path, body: null);

        problem.Body.GetProperty("code").GetString().ShouldBe(code);
        problem.Body.GetProperty("type").GetString().ShouldBe($"https://ledgerx.dev/problems/{code}");
        problem.Body.GetProperty("detail").GetString().ShouldNotBeNullOrEmpty();
    }

    private static async Task<ProblemResponse> SendAsync(HttpMethod method, string path, string? body)
    {
        await using var app = await SampleService.StartAsync();
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using var response = await app.GetTestClient().SendAsync(request, TestContext.Current.CancellationToken);
        return await ProblemResponse.ReadAsync(response);
    }
}
