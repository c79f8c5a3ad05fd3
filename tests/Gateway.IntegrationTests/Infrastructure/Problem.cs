using System.Net.Http.Json;
using System.Text.Json;

namespace LedgerX.Gateway.IntegrationTests.Infrastructure;

public static class Problem
{
    /// <summary>The response is RFC 9457 problem+json with <paramref name="status"/> and stable code <paramref name="code"/>;
    /// returns the body.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        var json = JsonDocument.Parse(body).RootElement;
        json.GetProperty("status").GetInt32().ShouldBe(status);
        json.GetProperty("code").GetString().ShouldBe(code, body);
        return json;
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>());
}
