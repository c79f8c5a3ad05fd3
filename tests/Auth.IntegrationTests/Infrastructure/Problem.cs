namespace LedgerX.Auth.IntegrationTests.Infrastructure;

/// <summary>Assertions on RFC 9457 answers: problem+json, a stable code, the field at fault.</summary>
public static class Problem
{
    public static async Task<JsonObject> ShouldBeAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var body = JsonNode.Parse(text)!.AsObject();
        body["code"]!.GetValue<string>().ShouldBe(code);
        return body;
    }

    public static async Task ShouldBeValidationAsync(HttpResponseMessage response, string field)
    {
        var body = await ShouldBeAsync(response, HttpStatusCode.BadRequest, "validation");
        body["errors"]!.AsObject().Select(e => e.Key).ShouldContain(field, body.ToJsonString());
    }
}
