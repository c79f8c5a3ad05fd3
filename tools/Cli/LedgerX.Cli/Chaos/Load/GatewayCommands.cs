using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LedgerX.Cli.Chaos.Load;

/// <summary>
/// The set-up commands of a chaos run (open an account, fund it, make a transfer or a reversal a fault needs), sent
/// through the gateway as the load's caller. Each has a fresh Idempotency-Key and must succeed: anything but the expected
/// status is an error naming the request and the answer, since a scenario cannot start on a half-made fixture.
/// </summary>
internal static class GatewayCommands
{
    /// <summary>The answer's body, when the status is <paramref name="expected"/>.</summary>
    public static async Task<JsonNode> PostAsync(HttpClient http, string path, object body, HttpStatusCode expected, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.StatusCode == expected && JsonNode.Parse(text) is { } answer
            ? answer
            : throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}, expected {(int)expected}: {text}");
    }

    /// <summary>The <c>id</c> of what the command made (an account, an entry, a reversal).</summary>
    public static async Task<Guid> PostForIdAsync(HttpClient http, string path, object body, HttpStatusCode expected, CancellationToken ct) =>
        (await PostAsync(http, path, body, expected, ct))["id"]?.GetValue<string>() is { } id
            ? Guid.Parse(id)
            : throw new InvalidOperationException($"POST {path} answered {(int)expected} without an id");

    /// <summary>A command answered 201 Created: the new resource's id.</summary>
    public static Task<Guid> CreateAsync(HttpClient http, string path, object body, CancellationToken ct) =>
        PostForIdAsync(http, path, body, HttpStatusCode.Created, ct);
}
