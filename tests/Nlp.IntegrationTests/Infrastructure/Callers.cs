using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Nlp.IntegrationTests.Infrastructure;

/// <summary>A caller of nlp-service: who (the token's subject), which permissions, and how long the token lives.</summary>
public sealed record Caller(string Subject, TimeSpan Lifetime, params string[] Permissions)
{
    /// <summary>The token, minted once so the relayed token can be looked for on the broker and in the database.</summary>
    public string Token { get; } = TestTokens.Shared.Mint(Subject, Permissions, expiresIn: Lifetime);

    public AuthenticationHeaderValue Bearer() => new("Bearer", Token);
}

public static class Callers
{
    /// <summary>A customer with a fresh subject (every role has nlp:ask).</summary>
    public static Caller Customer(TimeSpan? lifetime = null) =>
        new($"user-{Guid.NewGuid():N}", lifetime ?? TimeSpan.FromHours(3), Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.NlpAsk);

    /// <summary>An operator (admin): nlp:operate.</summary>
    public static readonly Caller Operator = new("admin-1", TimeSpan.FromHours(3), Permissions.NlpAsk, Permissions.NlpOperate);

    /// <summary>A valid token that grants nothing nlp-service asks for.</summary>
    public static readonly Caller Nobody = new("nobody-1", TimeSpan.FromHours(3), Permissions.AuditRead);

    public static async Task<HttpResponseMessage> SendAsAsync(this HttpClient client, HttpRequestMessage request, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        if (caller is not null)
        {
            request.Headers.Authorization = caller.Bearer();
        }
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetAsAsync(this HttpClient client, string url, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Get, url), caller);

    public static Task<HttpResponseMessage> PostAsAsync(this HttpClient client, string url, object? body, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) }, caller);

    public static Task<HttpResponseMessage> PutAsAsync(this HttpClient client, string url, object? body, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Put, url) { Content = JsonContent.Create(body) }, caller);

    /// <summary>Asks <paramref name="question"/> and returns its id (asserting 202).</summary>
    public static async Task<Guid> AskAsync(this HttpClient client, Caller caller, string question)
    {
        using var response = await client.PostAsAsync("/api/v1/questions", new { question }, caller);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
    }

    public static async Task<JsonObject> QuestionAsync(this HttpClient client, Caller caller, Guid id)
    {
        using var response = await client.GetAsAsync($"/api/v1/questions/{id}", caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Waits until the question is in one of <paramref name="statuses"/>, and returns it.</summary>
    public static Task<JsonObject> WaitForStatusAsync(this HttpClient client, Caller caller, Guid id, params string[] statuses) =>
        NlpService.EventuallyAsync(async () =>
        {
            var q = await client.QuestionAsync(caller, id);
            return statuses.Contains(q["status"]!.GetValue<string>()) ? q : null;
        }, $"question {id} to be {string.Join(" or ", statuses)}");
}
