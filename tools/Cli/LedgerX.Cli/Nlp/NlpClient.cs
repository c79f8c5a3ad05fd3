using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Nlp;

/// <summary>nlp-service's API through the gateway (docs/api/nlp.md), as the asker: every call carries the asker's token,
/// which is the only thing that says whose question it is.</summary>
internal sealed class NlpClient(HttpClient http, Uri gateway, string? token)
{
    public const string QuestionsPath = "api/v1/questions";
    public const string LiveEventsPath = "api/v1/live/events";

    public Uri Gateway => gateway;

    public Task<ApiResponse> AskAsync(string question, string? timeZone, string? language, CancellationToken ct)
    {
        // Strict JSON on the server (unknown or null-valued noise is refused): only the fields given.
        var body = new JsonObject { ["question"] = question };
        if (timeZone is not null)
        {
            body["timeZone"] = timeZone;
        }
        if (language is not null)
        {
            body["language"] = language;
        }
        return SendAsync(HttpMethod.Post, QuestionsPath, body, ct);
    }

    public Task<ApiResponse> GetAsync(Guid id, CancellationToken ct) => SendAsync(HttpMethod.Get, $"{QuestionsPath}/{id}", null, ct);

    public Task<ApiResponse> CancelAsync(Guid id, CancellationToken ct) => SendAsync(HttpMethod.Post, $"{QuestionsPath}/{id}/cancel", null, ct);

    public Task<ApiResponse> RateAsync(Guid id, int score, string? comment, CancellationToken ct)
    {
        var body = new JsonObject { ["score"] = score };
        if (comment is not null)
        {
            body["comment"] = comment;
        }
        return SendAsync(HttpMethod.Put, $"{QuestionsPath}/{id}/rating", body, ct);
    }

    /// <summary>The caller's live feed as Server-Sent Events (docs/api/live.md), headers read, body still streaming.</summary>
    public async Task<HttpResponseMessage> OpenEventsAsync(CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, LiveEventsPath, null);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private async Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = Request(method, path, body);
        using var response = await http.SendAsync(request, ct);
        return await ApiResponse.ReadAsync(response, ct);
    }

    private HttpRequestMessage Request(HttpMethod method, string path, JsonNode? body)
    {
        var request = new HttpRequestMessage(method, ServiceUrls.Api(gateway, path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    /// <summary>The question's id from a 202's body.</summary>
    public static Guid? IdOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var id) && id.TryGetGuid(out var guid)
                ? guid
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The machine's IANA time zone ("last month" is the asker's month), or null when it has none to name (the
    /// service then uses its default).</summary>
    public static string? LocalTimeZone()
    {
        var local = TimeZoneInfo.Local;
        if (local.HasIanaId)
        {
            return local.Id;
        }
        return TimeZoneInfo.TryConvertWindowsIdToIanaId(local.Id, out var iana) ? iana : null;
    }

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";
}
